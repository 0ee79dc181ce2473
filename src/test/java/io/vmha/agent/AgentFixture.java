package io.vmha.agent;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.api.AgentReport;
import io.vmha.api.ImageRef;
import io.vmha.api.InstanceReport;
import io.vmha.api.RepositoryType;
import io.vmha.api.Resources;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.api.VmhaApi;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plays the operator's part by hand against the mock API server: hosts, VMs, placements, Leases.
 */
final class AgentFixture {
  static final String LEASE_NS = "vmha-system";
  static final String VM_NS = "apps";
  static final String SHARED_REPO = "shared-nfs";

  private final KubernetesClient client;

  AgentFixture(KubernetesClient client) {
    this.client = client;
  }

  /** Fast agent settings for tests: heartbeat 100 ms, self-fence after 1 s, grace 2 s. */
  static AgentOptions fastAgent(FencingPolicy fencing) {
    return fastAgent(fencing, Duration.ofSeconds(2));
  }

  /** Heartbeat 100 ms, self-fence after 1 s, and the given grace period. */
  static AgentOptions fastAgent(FencingPolicy fencing, Duration grace) {
    return new AgentOptions(
        "unset",
        LEASE_NS,
        new io.vmha.core.model.AgentSettings(
            Duration.ofMillis(100), Duration.ofSeconds(1), grace, fencing, 0.5),
        "test");
  }

  static SimulationOptions fastSimulation() {
    return fastSimulation(fastAgent(FencingPolicy.SelfFence));
  }

  /** The simulation of these agents: no watchdog, two threads. */
  static SimulationOptions fastSimulation(AgentOptions agent) {
    return SimulationOptions.of(agent).withWatchdog(null).withThreads(2);
  }

  void sharedRepository() {
    StorageRepository repo = new StorageRepository();
    repo.setMetadata(new ObjectMetaBuilder().withName(SHARED_REPO).build());
    StorageRepositorySpec spec = new StorageRepositorySpec();
    spec.setType(RepositoryType.Shared);
    spec.setMountPath("/srv/vms");
    repo.setSpec(spec);
    client.resource(repo).createOr(r -> r.update());
  }

  void host(String name) {
    VmHost host = new VmHost();
    host.setMetadata(new ObjectMetaBuilder().withName(name).build());
    VmHostSpec spec = new VmHostSpec();
    spec.setCapacity(new Resources(16, 65536));
    host.setSpec(spec);
    client.resource(host).createOr(r -> r.update());
  }

  /**
   * A standalone VM whose instance keeps its name, placed on {@code host} in phase {@code phase}.
   */
  void placedVm(String name, String host, String phase) {
    placedVm(VM_NS, name, name, host, phase);
  }

  /** A standalone VM in {@code namespace} whose instance is {@code instanceName}. */
  void placedVm(String namespace, String name, String instanceName, String host, String phase) {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setImage(new ImageRef(SHARED_REPO, "images/" + name + ".qcow2"));
    spec.setCpus(2);
    spec.setMemoryMiB(2048L);
    spec.setRunning(true);
    vm.setSpec(spec);
    client.resource(vm).createOr(r -> r.update());
    patchVmStatus(
        namespace, name, Map.of("host", host, "instanceName", instanceName, "phase", phase));
  }

  void guestAgent(String vm, boolean on) {
    client
        .resources(VirtualMachine.class)
        .inNamespace(VM_NS)
        .withName(vm)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), json(Map.of("spec", Map.of("guestAgent", on))));
  }

  void patchVmStatus(String vm, Map<String, Object> status) {
    patchVmStatus(VM_NS, vm, status);
  }

  void patchVmStatus(String namespace, String vm, Map<String, Object> status) {
    client
        .resources(VirtualMachine.class)
        .inNamespace(namespace)
        .withName(vm)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("status", status)));
  }

  void patchHostStatus(String host, Map<String, Object> status) {
    client
        .resources(VmHost.class)
        .withName(host)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("status", status)));
  }

  /** {@code status.reported} replaced whole by {@code report}, as a write of the agent would. */
  void replaceReport(String host, AgentReport report) {
    client
        .resources(VmHost.class)
        .withName(host)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON),
            json(List.of(Map.of("op", "add", "path", "/status/reported", "value", report))));
  }

  void annotateHost(String host, String key, String value) {
    Map<String, Object> annotations = new HashMap<>();
    annotations.put(key, value);
    client
        .resources(VmHost.class)
        .withName(host)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            json(Map.of("metadata", Map.of("annotations", annotations))));
  }

  /** The operator assigns the SPM role (or releases it with null). */
  void assignSpm(String holder) {
    Lease lease = client.leases().inNamespace(LEASE_NS).withName(VmhaApi.SPM_LEASE).get();
    if (lease == null) {
      client
          .leases()
          .inNamespace(LEASE_NS)
          .resource(
              new LeaseBuilder()
                  .withNewMetadata()
                  .withName(VmhaApi.SPM_LEASE)
                  .withNamespace(LEASE_NS)
                  .withLabels(Map.of("vmha.io/lease-kind", "spm"))
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity(holder)
                  .withLeaseDurationSeconds(10)
                  .withRenewTime(ZonedDateTime.now())
                  .endSpec()
                  .build())
          .create();
    } else {
      Map<String, Object> spec = new HashMap<>();
      spec.put("holderIdentity", holder);
      client
          .leases()
          .inNamespace(LEASE_NS)
          .withName(VmhaApi.SPM_LEASE)
          .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("spec", spec)));
    }
  }

  ZonedDateTime spmRenewTime() {
    Lease lease = client.leases().inNamespace(LEASE_NS).withName(VmhaApi.SPM_LEASE).get();
    return lease == null ? null : lease.getSpec().getRenewTime();
  }

  Lease hostLease(String host) {
    return client.leases().inNamespace(LEASE_NS).withName(VmhaApi.hostLeaseName(host)).get();
  }

  ZonedDateTime hostRenewTime(String host) {
    Lease lease = hostLease(host);
    return lease == null ? null : lease.getSpec().getRenewTime();
  }

  AgentReport reported(String host) {
    VmHost h = client.resources(VmHost.class).withName(host).get();
    return h == null || h.getStatus() == null ? null : h.getStatus().getReported();
  }

  Optional<InstanceReport> reportedInstance(String host, String instance) {
    AgentReport report = reported(host);
    if (report == null || report.getInstances() == null) {
      return Optional.empty();
    }
    return report.getInstances().stream().filter(i -> instance.equals(i.getName())).findFirst();
  }

  List<String> reportedInstanceNames(String host) {
    AgentReport report = reported(host);
    return report == null || report.getInstances() == null
        ? List.of()
        : report.getInstances().stream().map(InstanceReport::getName).toList();
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }
}
