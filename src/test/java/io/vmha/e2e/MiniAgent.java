package io.vmha.e2e;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.AgentReport;
import io.vmha.api.InstanceReport;
import io.vmha.api.RepositoryType;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import io.vmha.kube.StatusFields;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The smallest host agent that follows docs/agent-protocol.md, for one host, with whatever client
 * it is given (in the end-to-end tests: the chart's agent ServiceAccount, so its RBAC is checked
 * too). It renews the host and SPM Leases, "runs" what is placed on it, stops what it is told to,
 * and reports. The real agent (SPEC section 5, {@code agent}) replaces it.
 */
final class MiniAgent implements AutoCloseable {
  private final KubernetesClient client;
  private final String host;
  private final String leaseNamespace;
  private final int leaseDurationSeconds;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "mini-agent");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * The last refusal (401/403) the agent met: its RBAC was not enough. Conflicts (409) are normal.
   */
  final AtomicReference<RuntimeException> lastError = new AtomicReference<>();

  MiniAgent(
      KubernetesClient client,
      String host,
      String leaseNamespace,
      long intervalMillis,
      int leaseDurationSeconds) {
    this.client = client;
    this.host = host;
    this.leaseNamespace = leaseNamespace;
    this.leaseDurationSeconds = leaseDurationSeconds;
    ticker.scheduleWithFixedDelay(this::tickSafely, 0, intervalMillis, TimeUnit.MILLISECONDS);
  }

  Set<String> running() {
    return Set.copyOf(running);
  }

  private void tickSafely() {
    try {
      tick();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 401 || e.getCode() == 403) {
        lastError.set(e);
      }
      // anything else: a real agent tries again at the next tick
    } catch (RuntimeException e) {
      // tries again at the next tick
    }
  }

  private void tick() {
    renewHostLease();
    VmHost self = client.resources(VmHost.class).withName(host).get();
    if (self == null) {
      return;
    }
    Set<String> toStop = ConcurrentHashMap.newKeySet();
    if (self.getStatus() != null && self.getStatus().getInstancesToStop() != null) {
      self.getStatus().getInstancesToStop().forEach(s -> toStop.add(s.getName()));
    }
    running.removeAll(toStop);
    List<VirtualMachine> placed =
        client
            .resources(VirtualMachine.class)
            .inAnyNamespace()
            .withField(VmhaApi.HOST_FIELD, host)
            .list()
            .getItems();
    List<InstanceReport> instances = new ArrayList<>();
    for (VirtualMachine vm : placed) {
      var status = vm.getStatus();
      if (status == null || status.getInstanceName() == null || !host.equals(status.getHost())) {
        continue;
      }
      String instance = status.getInstanceName();
      String phase = status.getPhase();
      if ("Stopping".equals(phase)) {
        running.remove(instance);
      } else if (!toStop.contains(instance)
          && Set.of("Starting", "Running", "Paused").contains(phase)) {
        running.add(instance);
      }
      if (running.contains(instance)) {
        InstanceReport report = new InstanceReport();
        report.setName(instance);
        report.setVm(vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName());
        report.setState("Running");
        report.setResources(status.getAppliedResources());
        instances.add(report);
      }
    }
    renewSpmIfHolder();
    AgentReport reported = new AgentReport();
    reported.setDriver("e2e");
    reported.setStorageConnected(true);
    reported.setNetworkConnected(true);
    reported.setReachableRepositories(reachableRepositories());
    reported.setInstances(instances);
    reported.setFenced(false);
    StatusFields.write(
        client.resources(VmHost.class).withName(host).subresource("status"),
        self.getStatus() != null,
        Map.of("reported", reported),
        Set.of());
  }

  private List<String> reachableRepositories() {
    List<String> names = new ArrayList<>();
    for (StorageRepository repository :
        client.resources(StorageRepository.class).list().getItems()) {
      var spec = repository.getSpec();
      if (spec.getType() == RepositoryType.Shared || host.equals(spec.getHost())) {
        names.add(repository.getMetadata().getName());
      }
    }
    names.sort(String::compareTo);
    return names;
  }

  private void renewHostLease() {
    String name = VmhaApi.hostLeaseName(host);
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    Lease lease = client.leases().inNamespace(leaseNamespace).withName(name).get();
    if (lease == null) {
      client
          .leases()
          .inNamespace(leaseNamespace)
          .resource(
              new LeaseBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(leaseNamespace)
                  .addToLabels("vmha.io/lease-kind", "host")
                  .addToLabels(VmhaApi.HOST_LABEL, host)
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity(host)
                  .withAcquireTime(now)
                  .withRenewTime(now)
                  .withLeaseDurationSeconds(leaseDurationSeconds)
                  .endSpec()
                  .build())
          .create();
    } else {
      lease.getSpec().setRenewTime(now);
      client.leases().inNamespace(leaseNamespace).resource(lease).update();
    }
  }

  private void renewSpmIfHolder() {
    Lease spm = client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).get();
    if (spm != null && host.equals(spm.getSpec().getHolderIdentity())) {
      spm.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
      client.leases().inNamespace(leaseNamespace).resource(spm).update();
    }
  }

  /** Renews a guest heartbeat Lease as the agent inside a guest-agent VM would. */
  void renewGuestLease(String namespace, String vm) {
    String name = VmhaApi.guestLeaseName(vm);
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    Lease lease = client.leases().inNamespace(namespace).withName(name).get();
    if (lease == null) {
      client
          .leases()
          .inNamespace(namespace)
          .resource(
              new LeaseBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .addToLabels("vmha.io/lease-kind", "guest")
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity(namespace + "/" + vm)
                  .withRenewTime(now)
                  .withLeaseDurationSeconds(leaseDurationSeconds)
                  .endSpec()
                  .build())
          .create();
    } else {
      lease.getSpec().setRenewTime(now);
      client.leases().inNamespace(namespace).resource(lease).update();
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
