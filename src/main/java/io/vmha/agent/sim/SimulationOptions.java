package io.vmha.agent.sim;

import io.vmha.agent.AgentOptions;
import io.vmha.agent.PeerToken;
import io.vmha.core.model.FencingPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SimulatedDatacenter} runs.
 *
 * @param agent settings every simulated agent gets (its {@code host} is replaced per host)
 * @param watchdog how long after its agent dies a host's watchdog resets it (stopping its
 *     instances); null for no watchdog. Per host, the annotation {@code sim.vmha.io/watchdog: off}
 *     disables it
 * @param guestHeartbeatInterval how often the simulated guest agents renew their Leases
 * @param guestLeaseDuration {@code leaseDurationSeconds} of the guest Leases
 * @param threads threads shared by all agents' loops
 * @param token the peer token all agents share
 * @param bindAddress address the shared peer server listens on
 * @param port port of the shared peer server, 0 for any free one
 * @param advertisedAddress address peers reach the peer server at
 * @param clock the agents' clock
 */
public record SimulationOptions(
    AgentOptions agent,
    Duration watchdog,
    Duration guestHeartbeatInterval,
    Duration guestLeaseDuration,
    int threads,
    PeerToken token,
    String bindAddress,
    int port,
    String advertisedAddress,
    Clock clock) {

  public SimulationOptions {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(guestHeartbeatInterval, "guestHeartbeatInterval");
    Objects.requireNonNull(guestLeaseDuration, "guestLeaseDuration");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(clock, "clock");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1");
    }
  }

  /**
   * The spec's timings; a watchdog of {@code selfFenceAfter} under SelfFence (so a host whose agent
   * died has stopped its VMs before the operator declares it lost), none under None.
   */
  public static SimulationOptions defaults(String leaseNamespace) {
    return of(AgentOptions.defaults("simulated", leaseNamespace));
  }

  /** Options around the given agent settings, with the watchdog following its fencing policy. */
  public static SimulationOptions of(AgentOptions agent) {
    return new SimulationOptions(
        agent,
        agent.fencing() == FencingPolicy.SelfFence ? agent.selfFenceAfter() : null,
        agent.heartbeatInterval(),
        agent.hostGracePeriod(),
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        PeerToken.random(),
        "127.0.0.1",
        0,
        "127.0.0.1",
        Clock.systemUTC());
  }

  public SimulationOptions withWatchdog(Duration newWatchdog) {
    return new SimulationOptions(
        agent,
        newWatchdog,
        guestHeartbeatInterval,
        guestLeaseDuration,
        threads,
        token,
        bindAddress,
        port,
        advertisedAddress,
        clock);
  }

  public SimulationOptions withGuestHeartbeat(Duration interval, Duration leaseDuration) {
    return new SimulationOptions(
        agent,
        watchdog,
        interval,
        leaseDuration,
        threads,
        token,
        bindAddress,
        port,
        advertisedAddress,
        clock);
  }

  public SimulationOptions withThreads(int newThreads) {
    return new SimulationOptions(
        agent,
        watchdog,
        guestHeartbeatInterval,
        guestLeaseDuration,
        newThreads,
        token,
        bindAddress,
        port,
        advertisedAddress,
        clock);
  }

  public SimulationOptions withPeerServer(
      PeerToken newToken, String newBindAddress, int newPort, String newAdvertisedAddress) {
    return new SimulationOptions(
        agent,
        watchdog,
        guestHeartbeatInterval,
        guestLeaseDuration,
        threads,
        newToken,
        newBindAddress,
        newPort,
        newAdvertisedAddress,
        clock);
  }

  public SimulationOptions withClock(Clock newClock) {
    return new SimulationOptions(
        agent,
        watchdog,
        guestHeartbeatInterval,
        guestLeaseDuration,
        threads,
        token,
        bindAddress,
        port,
        advertisedAddress,
        newClock);
  }
}
