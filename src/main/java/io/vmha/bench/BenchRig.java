package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.kube.ApiRequestCounter;

/**
 * What runs while a benchmark measures: the API server, the operator, the simulated hosts and the
 * bench's watch of the fleet. There are three clients: the operator's and the agents' count their
 * requests, the bench's own (fleet creation, watching, fault annotations) is not counted.
 *
 * <p>{@link Bench} starts the parts one after the other; {@link #close} stops whatever was started,
 * the operator and the hosts before the API server they talk to.
 */
final class BenchRig implements AutoCloseable {
  final ApiRequestCounter operatorRequests = new ApiRequestCounter();
  final ApiRequestCounter agentRequests = new ApiRequestCounter();
  BenchApi api;
  KubernetesClient benchClient;
  KubernetesClient operatorClient;
  KubernetesClient agentClient;
  OperatorUnderTest operator;
  SimulatedDatacenter datacenter;
  io.vmha.agent.sim.SimulatedBmcs bmcs;
  FleetWatch watch;

  /** The clients for a started API server. */
  void connect(BenchApi api) {
    this.api = api;
    benchClient = api.client(null);
    operatorClient = api.client(operatorRequests);
    agentClient = api.client(agentRequests);
  }

  @Override
  public void close() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          operator, bmcs, datacenter, watch, operatorClient, agentClient, benchClient, api
        }) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // shutting down
        }
      }
    }
  }
}
