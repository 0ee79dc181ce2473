package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.AgentReport;
import io.vmha.api.InstanceReport;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
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

/**
 * Plays the host agents for reconciler tests the way the protocol in docs/agent-protocol.md says,
 * with switches for the faults a test needs: an agent that stops renewing, storage or network lost,
 * a guest agent that keeps its VM's heartbeat. Instances "run" as soon as they are placed.
 */
final class FakeAgents implements AutoCloseable {
  enum Fault {
    AGENT_DOWN,
    /** The agent renews its heartbeat but has not written a report of its current run yet. */
    REPORT_HELD,
    STORAGE_DOWN,
    NETWORK_DOWN
  }

  private final KubernetesClient client;
  private final String leaseNamespace;
  private final Map<String, Set<Fault>> hosts = new ConcurrentHashMap<>();

  /** "host/instance": what each fake hypervisor runs. One VM may run on two hosts (F4). */
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  private final Set<String> guestAgents = ConcurrentHashMap.newKeySet();

  /** When each host's agent began its current run: its Lease's acquireTime and its reports'. */
  private final Map<String, ZonedDateTime> runs = new ConcurrentHashMap<>();

  /** When each host's agent last fenced itself (stopped all it ran), as it reports it. */
  private final Map<String, String> selfFencedAt = new ConcurrentHashMap<>();

  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

  FakeAgents(KubernetesClient client, String leaseNamespace, long intervalMillis) {
    this.client = client;
    this.leaseNamespace = leaseNamespace;
    ticker.scheduleAtFixedRate(this::tickSafely, 0, intervalMillis, TimeUnit.MILLISECONDS);
  }

  void add(String host) {
    hosts.put(host, ConcurrentHashMap.newKeySet());
    runs.put(host, now());
  }

  // faults land between ticks: a crashed host's agent cannot report once more without its
  // instances, as it could if the crash came in the middle of a tick

  synchronized void fault(String host, Fault fault) {
    hosts.get(host).add(fault);
  }

  synchronized void heal(String host, Fault fault) {
    hosts.get(host).remove(fault);
  }

  /** The host crashed: its instances are gone and its agent is silent. */
  synchronized void crash(String host) {
    hosts.get(host).add(Fault.AGENT_DOWN);
    running.removeIf(entry -> entry.startsWith(host + "/"));
  }

  /**
   * The agent fenced itself (a cut that has healed since): its instances are stopped, it renews and
   * reports the fence, and starts nothing until the operator has acknowledged it.
   */
  synchronized void selfFence(String host) {
    running.removeIf(entry -> entry.startsWith(host + "/"));
    selfFencedAt.put(host, now().toInstant().toString());
    runs.put(host, now());
  }

  /** The host is back (rebooted): its agent renews and reports again. */
  synchronized void recover(String host) {
    hosts.get(host).remove(Fault.AGENT_DOWN);
    runs.put(host, now());
  }

  private static ZonedDateTime now() {
    return ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
  }

  /** A guest agent in this VM renews its own Lease while the VM runs anywhere. */
  void guestAgent(String namespace, String vm) {
    guestAgents.add(namespace + "/" + vm);
  }

  boolean runs(String host, String instance) {
    return running.contains(host + "/" + instance);
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      // the next tick tries again, as a real agent would
      System.err.println("fake agent tick failed: " + e);
    }
  }

  private synchronized void tick() {
    List<VirtualMachine> vms =
        client.resources(VirtualMachine.class).inAnyNamespace().list().getItems();
    for (var entry : hosts.entrySet()) {
      String host = entry.getKey();
      if (entry.getValue().contains(Fault.AGENT_DOWN)) {
        continue;
      }
      renew(VmhaApi.hostLeaseName(host), host, "host", leaseNamespace, runs.get(host));
      if (entry.getValue().contains(Fault.REPORT_HELD)) {
        continue;
      }
      boolean storage = !entry.getValue().contains(Fault.STORAGE_DOWN);
      boolean network = !entry.getValue().contains(Fault.NETWORK_DOWN);
      VmHost self = client.resources(VmHost.class).withName(host).get();
      Set<String> toStop = ConcurrentHashMap.newKeySet();
      if (self != null
          && self.getStatus() != null
          && self.getStatus().getInstancesToStop() != null) {
        self.getStatus().getInstancesToStop().forEach(s -> toStop.add(s.getName()));
      }
      toStop.forEach(instance -> running.remove(host + "/" + instance));
      String fencedAt = selfFencedAt.get(host);
      boolean mayStart =
          fencedAt == null
              || (self != null
                  && self.getStatus() != null
                  && fencedAt.equals(self.getStatus().getSelfFenceAcknowledged()));
      List<InstanceReport> instances = new ArrayList<>();
      for (VirtualMachine vm : vms) {
        var status = vm.getStatus();
        if (status == null || status.getInstanceName() == null) {
          continue;
        }
        String instance = status.getInstanceName();
        String key = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
        boolean placedHere = host.equals(status.getHost());
        if (placedHere && status.getMigration() != null) {
          if (running.remove(host + "/" + instance)) { // live migration: hand over
            running.add(status.getMigration().getTargetHost() + "/" + instance);
          }
          continue;
        }
        if (placedHere && ("Stopping".equals(status.getPhase()))) {
          running.remove(host + "/" + instance);
        } else if (placedHere
            && mayStart
            && !toStop.contains(instance)
            && "Starting".equals(status.getPhase())) {
          running.add(host + "/" + instance);
        }
      }
      for (VirtualMachine vm : vms) {
        var status = vm.getStatus();
        if (status == null
            || status.getInstanceName() == null
            || !runs(host, status.getInstanceName())) {
          continue;
        }
        String key = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
        InstanceReport report = new InstanceReport();
        report.setName(status.getInstanceName());
        report.setVm(key);
        report.setState(storage ? "Running" : "Paused");
        report.setResources(status.getAppliedResources());
        instances.add(report);
        if (guestAgents.contains(key)) {
          renew(
              VmhaApi.guestLeaseName(vm.getMetadata().getName()),
              key,
              "guest",
              vm.getMetadata().getNamespace());
        }
      }
      boolean fencingRequested =
          self != null
              && self.getStatus() != null
              && self.getStatus().getFencing() != null
              && Boolean.TRUE.equals(self.getStatus().getFencing().getRequested());
      renewSpmIfHolder(
          host,
          storage
              && !fencingRequested
              && !(self != null && Boolean.TRUE.equals(self.getSpec().getMaintenance())),
          self != null
              && self.getStatus() != null
              && Boolean.TRUE.equals(self.getStatus().getSpmReleaseRequested()));
      AgentReport reported = new AgentReport();
      reported.setStorageConnected(storage);
      reported.setNetworkConnected(network);
      reported.setReachableRepositories(storage ? repositoriesFor(host) : List.of());
      reported.setInstances(instances);
      reported.setFenced(fencingRequested);
      reported.setRunSince(runs.get(host).toInstant().toString());
      reported.setSelfFencedAt(fencedAt);
      io.vmha.kube.StatusFields.write(
          client.resources(VmHost.class).withName(host).subresource("status"),
          self != null && self.getStatus() != null,
          Map.of("reported", reported),
          Set.of());
    }
    // guest agents of VMs whose host agent is down keep renewing (F3)
    for (VirtualMachine vm : vms) {
      String key = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
      var status = vm.getStatus();
      if (guestAgents.contains(key)
          && status != null
          && status.getInstanceName() != null
          && status.getHost() != null
          && runs(status.getHost(), status.getInstanceName())
          && hosts.getOrDefault(status.getHost(), Set.of()).contains(Fault.AGENT_DOWN)) {
        renew(
            VmhaApi.guestLeaseName(vm.getMetadata().getName()),
            key,
            "guest",
            vm.getMetadata().getNamespace());
      }
    }
  }

  private void renewSpmIfHolder(String host, boolean healthy, boolean releaseRequested) {
    Lease spm = client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).get();
    if (releaseRequested && spm != null && host.equals(spm.getSpec().getHolderIdentity())) {
      spm.getSpec().setHolderIdentity(null);
      client.leases().inNamespace(leaseNamespace).resource(spm).update();
    } else if (healthy && spm != null && host.equals(spm.getSpec().getHolderIdentity())) {
      spm.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
      client.leases().inNamespace(leaseNamespace).resource(spm).update();
    }
  }

  String spmHolder() {
    Lease spm = client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).get();
    return spm == null ? null : spm.getSpec().getHolderIdentity();
  }

  private List<String> repositoriesFor(String host) {
    List<String> names = new ArrayList<>();
    for (StorageRepository repository :
        client.resources(StorageRepository.class).list().getItems()) {
      var spec = repository.getSpec();
      if (spec.getType() == io.vmha.api.RepositoryType.Shared || host.equals(spec.getHost())) {
        names.add(repository.getMetadata().getName());
      }
    }
    return names;
  }

  private void renew(String name, String holder, String kind, String namespace) {
    renew(name, holder, kind, namespace, null);
  }

  /**
   * @param acquired the Lease's acquireTime (a host agent's current run), or null to leave it
   */
  private void renew(
      String name, String holder, String kind, String namespace, ZonedDateTime acquired) {
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
                  .addToLabels("vmha.io/lease-kind", kind)
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity(holder)
                  .withRenewTime(now)
                  .withAcquireTime(acquired)
                  .withLeaseDurationSeconds(15)
                  .endSpec()
                  .build())
          .create();
    } else {
      lease.getSpec().setRenewTime(now);
      if (acquired != null) {
        lease.getSpec().setAcquireTime(acquired);
      }
      client.leases().inNamespace(namespace).resource(lease).update();
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
