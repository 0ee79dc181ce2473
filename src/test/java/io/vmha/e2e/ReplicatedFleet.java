package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.VirtualMachine;
import io.vmha.testbed.AgentProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The product as a user runs it, on a real API server: two {@code vmha operator} replicas with
 * leader election ({@code a} and {@code b}) and a real {@code vmha agent --driver simulated}
 * process per host, default timings.
 */
final class ReplicatedFleet implements AutoCloseable {
  static final String VM_NS = "apps";
  final RealApiServer api;
  final String namespace;
  final List<String> hosts;
  final Path dir;
  final Map<String, Process> replicas = new LinkedHashMap<>();
  final Map<String, AgentProcess> agents = new LinkedHashMap<>();

  private ReplicatedFleet(RealApiServer api, String namespace, List<String> hosts, Path dir) {
    this.api = api;
    this.namespace = namespace;
    this.hosts = hosts;
    this.dir = dir;
  }

  static ReplicatedFleet start(String namespace, List<String> hosts) throws Exception {
    RealApiServer api = RealApiServer.startWithCrds();
    api.createNamespace(namespace);
    api.createNamespace(VM_NS);
    ReplicatedFleet fleet =
        new ReplicatedFleet(api, namespace, hosts, Files.createTempDirectory("vmha-" + namespace));
    for (String identity : List.of("a", "b")) {
      fleet.replicas.put(identity, OperatorProcess.start(api, namespace, identity, fleet.dir));
    }
    fleet.agents.putAll(SimulatedAgentFleet.start(api, namespace, hosts, fleet.dir, false));
    return fleet;
  }

  /** An HA VM on the shared repository. */
  void createVm(String name) {
    createVm(api, name);
  }

  /** An HA VM of priority High on the shared repository {@code san}, in {@link #VM_NS}. */
  static void createVm(RealApiServer api, String name) {
    api.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: %s, namespace: %s}
        spec:
          image: {repository: san, path: images/%s.qcow2}
          cpus: 1
          memoryMiB: 1024
          highAvailability: {enabled: true, priority: High}
        """
            .formatted(name, VM_NS, name));
  }

  VirtualMachine vm(String name) {
    return vm(api, name);
  }

  static VirtualMachine vm(RealApiServer api, String name) {
    return api.admin().resources(VirtualMachine.class).inNamespace(VM_NS).withName(name).get();
  }

  String holder(String lease) {
    return api.leaseHolder(namespace, lease);
  }

  void everyHostUp() {
    for (String host : hosts) {
      assertThat(api.hostPhase(host)).as(host).isEqualTo("Up");
    }
  }

  @Override
  public void close() {
    replicas.values().forEach(Process::destroyForcibly);
    agents.values().forEach(AgentProcess::close);
    api.close();
  }
}
