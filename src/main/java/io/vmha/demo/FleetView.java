package io.vmha.demo;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.Condition;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the scenarios read of the fleet. Every read goes to the API server, not to a cache: a
 * scenario checks what a user with kubectl would see at that moment.
 */
final class FleetView {
  /** The demo's local repository: VMs on it cannot leave their host. */
  private static final String LOCAL_REPOSITORY = "pacific-local";

  private final KubernetesClient client;

  FleetView(KubernetesClient client) {
    this.client = client;
  }

  VirtualMachine vm(String name) {
    return client
        .resources(VirtualMachine.class)
        .inNamespace(DemoFleet.NAMESPACE)
        .withName(name)
        .get();
  }

  VmHost host(String name) {
    return client.resources(VmHost.class).withName(name).get();
  }

  List<VirtualMachine> allVms() {
    List<VirtualMachine> vms =
        new ArrayList<>(
            client
                .resources(VirtualMachine.class)
                .inNamespace(DemoFleet.NAMESPACE)
                .list()
                .getItems());
    vms.sort(Comparator.comparing(v -> v.getMetadata().getName()));
    return vms;
  }

  List<VmHost> allHosts() {
    List<VmHost> hosts = new ArrayList<>(client.resources(VmHost.class).list().getItems());
    hosts.sort(Comparator.comparing(h -> h.getMetadata().getName()));
    return hosts;
  }

  List<VirtualMachine> vmsOn(String host) {
    return allVms().stream()
        .filter(vm -> vm.getStatus() != null && host.equals(vm.getStatus().getHost()))
        .toList();
  }

  static boolean onLocalRepository(VirtualMachine vm) {
    return vm.getSpec().getImage() != null
        && vm.getSpec().getImage().getRepository().equals(LOCAL_REPOSITORY);
  }

  /** The VMs on {@code host} whose disks are on shared storage: the ones that can move. */
  List<String> sharedVmsOn(String host) {
    return vmsOn(host).stream()
        .filter(vm -> !onLocalRepository(vm))
        .map(vm -> vm.getMetadata().getName())
        .toList();
  }

  /**
   * The VMs on {@code host} that a failover moves elsewhere: on shared storage, and not bound to
   * the host by a selector (those have nowhere else to go).
   */
  List<String> movableVmsOn(String host) {
    return vmsOn(host).stream()
        .filter(vm -> !onLocalRepository(vm) && vm.getSpec().getHostSelector() == null)
        .map(vm -> vm.getMetadata().getName())
        .toList();
  }

  /** The allowed host with the most movable VMs (ties: the first by name). */
  String busiestHost(Predicate<String> allowed) {
    return allHosts().stream()
        .map(h -> h.getMetadata().getName())
        .filter(allowed)
        .max(
            Comparator.<String>comparingInt(h -> sharedVmsOn(h).size())
                .thenComparing(Comparator.reverseOrder()))
        .orElseThrow();
  }

  /** Each VM's host and instance, by VM name. */
  Map<String, String> placements() {
    Map<String, String> placements = new HashMap<>();
    allVms()
        .forEach(
            vm ->
                placements.put(
                    vm.getMetadata().getName(),
                    vm.getStatus().getHost() + "/" + vm.getStatus().getInstanceName()));
    return placements;
  }

  Map<String, Integer> migrationCounts() {
    Map<String, Integer> counts = new HashMap<>();
    allVms()
        .forEach(
            vm ->
                counts.put(vm.getMetadata().getName(), count(vm.getStatus().getMigrationCount())));
    return counts;
  }

  /** Whether the operator says on any host that it holds failover back (FailoverFrozen=True). */
  boolean operatorFrozen() {
    return allHosts().stream()
        .map(h -> condition(h, "FailoverFrozen"))
        .anyMatch(c -> c != null && "True".equals(c.getStatus()));
  }

  /** The VM's condition of this type, or null. */
  static Condition condition(VirtualMachine vm, String type) {
    return Condition.find(vm.getStatus() == null ? null : vm.getStatus().getConditions(), type);
  }

  /** The host's condition of this type, or null. */
  static Condition condition(VmHost host, String type) {
    return Condition.find(host.getStatus() == null ? null : host.getStatus().getConditions(), type);
  }

  String spmHolder() {
    Lease lease = client.leases().inNamespace(Demo.LEASES).withName(VmhaApi.SPM_LEASE).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  String hostPhase(String host) {
    VmHost h = host(host);
    return h == null || h.getStatus() == null ? null : h.getStatus().getPhase();
  }

  /** The current instance of each VM of {@code names}, by name. */
  Map<String, String> instancesOf(List<String> names) {
    Map<String, String> instances = new java.util.LinkedHashMap<>();
    names.forEach(name -> instances.put(name, vm(name).getStatus().getInstanceName()));
    return instances;
  }

  /** Whether the VM is Running on a host other than {@code host}. */
  boolean runsOffHost(String name, String host) {
    return "Running".equals(phase(vm(name))) && !host.equals(vm(name).getStatus().getHost());
  }

  static String phase(VirtualMachine vm) {
    return vm == null || vm.getStatus() == null ? null : vm.getStatus().getPhase();
  }

  /** A status counter, which the operator leaves unset until it first counts. */
  static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
