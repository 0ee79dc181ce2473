package io.vmha.e2e;

import io.vmha.testbed.AgentProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Real agent processes on the simulated driver, one per host, as the fencing tests use them. */
final class SimulatedAgentFleet {
  private SimulatedAgentFleet() {}

  /**
   * A simulated datacenter as a user sets one up: StorageRepository {@code san} (shared), a VmHost
   * per name, and a real agent process for each (default timings), all sharing one peer token.
   */
  static Map<String, AgentProcess> start(
      RealApiServer api, String leaseNamespace, List<String> hosts, Path dir, boolean withWatchdog)
      throws IOException {
    api.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: san}
        spec: {type: Shared, url: "nfs://filer/vms", mountPath: /srv/vms}
        """);
    String secret = "e2e-peer-secret-" + Long.toHexString(System.nanoTime());
    Map<String, AgentProcess> agents = new java.util.LinkedHashMap<>();
    for (String host : hosts) {
      api.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VmHost
          metadata: {name: %s}
          spec: {capacity: {cpus: 16, memoryMiB: 32768}}
          """
              .formatted(host));
      agents.put(
          host,
          AgentProcess.start(
              host, api.kubeconfig(), leaseNamespace, secret, dir, withWatchdog, List.of()));
    }
    return agents;
  }
}
