package io.vmha.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.kube.ApiRefusals;
import io.vmha.kube.ApiRequestCounter;
import io.vmha.kube.ApiRequestTimer;
import java.time.Duration;

/**
 * What runs while a benchmark measures: the API server, the operator, the simulated hosts and the
 * bench's watch of the fleet. The bench's own client (fleet creation, watching, fault annotations)
 * is the admin's and not counted; the operator's and the agents' count their requests and refusals,
 * the agents' heartbeat renewals are timed. Under {@code --identities chart} the operator runs as
 * the chart's ServiceAccount and every host's agent as its own ({@link HostIdentities}); under
 * {@code admin} all of them are the admin, whom API Priority and Fairness exempts.
 *
 * <p>{@link Bench} starts the parts one after the other; {@link #close} stops whatever was started,
 * the operator and the hosts before the API server they talk to.
 */
final class BenchRig implements AutoCloseable {
  final ApiRequestCounter operatorRequests = new ApiRequestCounter();
  final ApiRequestCounter agentRequests = new ApiRequestCounter();
  final ApiRefusals operatorRefusals = new ApiRefusals();
  final ApiRefusals agentRefusals = new ApiRefusals();
  final ApiRequestTimer heartbeats = ApiRequestTimer.of("leases", "GET", "PATCH");
  final HeartbeatLatency heartbeatPhases = new HeartbeatLatency(heartbeats);

  /** Since when the fleet is placed and nothing but heartbeats and reports happens. */
  long quietSince;

  BenchApi api;
  KubernetesClient benchClient;

  /** What the operator authenticates with: the admin's, or the chart's ServiceAccount's token. */
  Config operatorConfig;

  KubernetesClient operatorClient;
  KubernetesClient agentClient;
  KubernetesClient heartbeatClient;
  SimulatedDatacenter.HostClients hostClients;
  OperatorUnderTest operator;
  SimulatedDatacenter datacenter;
  io.vmha.agent.sim.SimulatedBmcs bmcs;
  FleetWatch watch;

  /** The admin's clients for a started API server; the operator's follows with its identity. */
  void connect(BenchApi api) {
    this.api = api;
    benchClient = api.client(null);
    agentClient = api.client(api.config(), agentRequests, agentRefusals);
  }

  /** The operator's client, with these credentials. */
  void operatorAs(Config config) {
    operatorConfig = config;
    operatorClient = api.client(config, operatorRequests, operatorRefusals);
  }

  /**
   * The shared client of the agents' heartbeats: the agent's own deadline settings ({@link
   * io.vmha.agent.Leases#deadlineConfig}), timed. Not counted with the agents' requests, as before
   * the renewals were timed.
   */
  void heartbeatsWithin(Duration deadline) {
    heartbeatClient =
        api.client(
            io.vmha.agent.Leases.deadlineConfig(api.config(), deadline), heartbeats, agentRefusals);
  }

  /** Every host's agent shares the admin's clients. */
  void agentsAsAdmin() {
    hostClients =
        new SimulatedDatacenter.HostClients() {
          @Override
          public KubernetesClient client(String host) {
            return agentClient;
          }

          @Override
          public KubernetesClient heartbeatClient(String host) {
            return heartbeatClient;
          }
        };
  }

  @Override
  public void close() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          operator,
          bmcs,
          datacenter,
          watch,
          operatorClient,
          heartbeatClient,
          agentClient,
          benchClient,
          api
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
