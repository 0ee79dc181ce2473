package io.vmha.agent;

import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How one host agent runs. Read once at start-up, immutable afterwards.
 *
 * @param host the VmHost this agent serves
 * @param leaseNamespace namespace of the heartbeat and SPM Leases (the operator's)
 * @param heartbeatInterval how often the agent renews its heartbeat Lease and works its loop
 * @param selfFenceAfter with {@link FencingPolicy#SelfFence}: how long without a heartbeat renewal
 *     before the agent asks its peers and possibly stops its instances (F4)
 * @param hostGracePeriod the operator's grace period: written as the heartbeat Lease's {@code
 *     leaseDurationSeconds}, and how long a self-fenced agent stays quiet so the operator surely
 *     declared it lost before it comes back
 * @param fencing the fleet's fencing policy (the operator's {@code failover.fencing})
 * @param agentVersion reported in {@code status.reported.agentVersion}
 */
public record AgentOptions(
    String host,
    String leaseNamespace,
    Duration heartbeatInterval,
    Duration selfFenceAfter,
    Duration hostGracePeriod,
    FencingPolicy fencing,
    String agentVersion) {

  public AgentOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(selfFenceAfter, "selfFenceAfter");
    Objects.requireNonNull(hostGracePeriod, "hostGracePeriod");
    Objects.requireNonNull(fencing, "fencing");
    if (agentVersion == null) {
      agentVersion = "development";
    }
  }

  /** The spec's defaults: heartbeat 2 s, self-fence after 10 s, grace period 15 s, SelfFence. */
  public static AgentOptions defaults(String host, String leaseNamespace) {
    return new AgentOptions(
        host,
        leaseNamespace,
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        FencingPolicy.SelfFence,
        null);
  }

  /**
   * Simulated agents whose timings and fencing are the operator's {@code settings} (the demo, the
   * benchmark, tests); {@link #withHost} names each one.
   */
  public static AgentOptions simulatedFor(io.vmha.core.Settings settings, String leaseNamespace) {
    return new AgentOptions(
        "simulated",
        leaseNamespace,
        settings.heartbeatInterval(),
        settings.selfFenceAfter(),
        settings.hostGracePeriod(),
        settings.fencing(),
        null);
  }

  public AgentOptions withHost(String newHost) {
    return new AgentOptions(
        newHost,
        leaseNamespace,
        heartbeatInterval,
        selfFenceAfter,
        hostGracePeriod,
        fencing,
        agentVersion);
  }

  /**
   * How recent the agent's last heartbeat renewal must be for it to tell a peer "I reach the API
   * server": two heartbeat intervals, so one slow renewal does not flip the answer.
   */
  public Duration apiFreshness() {
    return heartbeatInterval.multipliedBy(2);
  }
}
