package io.vmha.agent;

import io.vmha.core.model.AgentSettings;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How one host agent runs. Read once at start-up, immutable afterwards.
 *
 * @param host the VmHost this agent serves
 * @param leaseNamespace namespace of the heartbeat and SPM Leases (the operator's)
 * @param settings what the agent runs that must be the operator's (R6), the same group the operator
 *     derives from its {@link io.vmha.core.Settings}: heartbeat interval, self-fence deadline (F4),
 *     grace period (written as the heartbeat Lease's {@code leaseDurationSeconds}, and how long a
 *     self-fenced agent stays quiet), fencing policy, and the H5 threshold (an overdue agent keeps
 *     its instances only if more than this fraction of all hosts confirm they lost the API server
 *     no later than it did)
 * @param agentVersion reported in {@code status.reported.agentVersion}
 */
public record AgentOptions(
    String host, String leaseNamespace, AgentSettings settings, String agentVersion) {

  public AgentOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(settings.heartbeatInterval(), "heartbeatInterval");
    Objects.requireNonNull(settings.selfFenceAfter(), "selfFenceAfter");
    Objects.requireNonNull(settings.hostGracePeriod(), "hostGracePeriod");
    Objects.requireNonNull(settings.fencing(), "fencing");
    double fraction = settings.maxUnhealthyFraction();
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("maxUnhealthyFraction must be in (0, 1], was " + fraction);
    }
    if (agentVersion == null) {
      agentVersion = "development";
    }
  }

  /**
   * The spec's defaults: heartbeat 2 s, self-fence after 10 s, grace period 15 s, SelfFence, H5 at
   * half the fleet.
   */
  public static AgentOptions defaults(String host, String leaseNamespace) {
    return new AgentOptions(
        host, leaseNamespace, AgentSettings.of(io.vmha.core.Settings.defaults()), null);
  }

  /**
   * Simulated agents whose timings and fencing are the operator's {@code settings} (the demo, the
   * benchmark, tests); {@link #withHost} names each one.
   */
  public static AgentOptions simulatedFor(io.vmha.core.Settings settings, String leaseNamespace) {
    return new AgentOptions("simulated", leaseNamespace, AgentSettings.of(settings), null);
  }

  public AgentOptions withHost(String newHost) {
    return new AgentOptions(newHost, leaseNamespace, settings, agentVersion);
  }

  public Duration heartbeatInterval() {
    return settings.heartbeatInterval();
  }

  public Duration selfFenceAfter() {
    return settings.selfFenceAfter();
  }

  public Duration hostGracePeriod() {
    return settings.hostGracePeriod();
  }

  public FencingPolicy fencing() {
    return settings.fencing();
  }

  public double maxUnhealthyFraction() {
    return settings.maxUnhealthyFraction();
  }

  /**
   * How recent the agent's last heartbeat renewal must be for it to tell a peer "I reach the API
   * server": two heartbeat intervals, so one slow renewal does not flip the answer.
   */
  public Duration apiFreshness() {
    return heartbeatInterval().multipliedBy(2);
  }

  /**
   * How long an overdue agent waits for its peers' answers: half of the margin H1 leaves between
   * fencing (at {@code selfFenceAfter}, plus up to a heartbeat interval until the next tick) and
   * the operator's judgement (at {@code hostGracePeriod}), between 200 ms and 2 s (1.5 s with the
   * defaults). Unanswered peers confirm nothing, so a longer wait fences less in an outage, and a
   * shorter one never fences late.
   */
  public Duration peerTimeout() {
    long margin =
        hostGracePeriod()
            .minus(selfFenceAfter())
            .minus(heartbeatInterval())
            .dividedBy(2)
            .toMillis();
    return Duration.ofMillis(Math.max(200, Math.min(2000, margin)));
  }

  /**
   * How much later than this host a peer may have lost the API server and still confirm an outage
   * with it: half of what separates {@code selfFenceAfter} from {@code hostGracePeriod} (2.5 s with
   * the defaults). Every confirming peer has then been silent for more than {@code selfFenceAfter}
   * by the time the operator judges this host, so the operator's freeze counts it. One heartbeat
   * interval, as before, was too tight once real networks were in play: renewals of hosts cut off
   * together spread over an interval, a renewal in flight at the cut lands later still, and the
   * question's round trip is taken off a peer's age; in a real outage for everyone hosts then
   * failed to confirm each other and fenced.
   */
  public Duration outageTolerance() {
    Duration margin = hostGracePeriod().minus(selfFenceAfter()).dividedBy(2);
    return margin.isNegative() ? Duration.ZERO : margin;
  }

  /**
   * How many peers must confirm an outage for this host to skip fencing in a fleet of {@code
   * hosts}: the smallest number that, with this host, is more than {@code maxUnhealthyFraction} of
   * the fleet, the operator's own freeze test.
   */
  public int peersNeededForOutage(int hosts) {
    // with n peers, n + 1 > fraction * hosts holds from n = floor(fraction * hosts) on
    return (int) Math.floor(maxUnhealthyFraction() * hosts);
  }

  /**
   * How long one heartbeat renewal may take before it counts as failed: one heartbeat interval, but
   * at most half of what lies between a renewal and {@code selfFenceAfter} after the next one was
   * due, so a hung API server shows as failed renewals well before the fence (2 s with the
   * defaults).
   */
  public Duration renewalDeadline() {
    long room = selfFenceAfter().minus(heartbeatInterval()).dividedBy(2).toMillis();
    long millis = Math.min(heartbeatInterval().toMillis(), room);
    return Duration.ofMillis(Math.max(100, millis));
  }

  /**
   * How long a fence may take to stop every instance and check none is left: what remains of the
   * grace period after the fence started (at {@code selfFenceAfter}, plus the peer question and one
   * look of the guard), at least 500 ms (3.25 s with the defaults). A fence that has not finished
   * by then stops feeding the watchdog.
   */
  public Duration fenceBudget() {
    Duration left =
        hostGracePeriod()
            .minus(selfFenceAfter())
            .minus(peerTimeout())
            .minus(FencingGuard.interval(heartbeatInterval()));
    return left.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : left;
  }

  /**
   * The longest watchdog timeout that still resets a host whose agent died before the operator
   * judges it: H1's margin {@code hostGracePeriod() - selfFenceAfter() - heartbeatInterval()} in
   * whole seconds, at least one (3 s with the defaults). The guard feeds it until the fence is due,
   * so a dead agent's host is reset by then plus this.
   */
  public Duration watchdogTimeout() {
    long seconds = hostGracePeriod().minus(selfFenceAfter()).minus(heartbeatInterval()).toSeconds();
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  /** What the agent reports it runs, for the operator to compare with its own (R6). */
  public io.vmha.api.AgentSettingsReport settingsReport() {
    Map<String, String> text = settings.asText();
    io.vmha.api.AgentSettingsReport report = new io.vmha.api.AgentSettingsReport();
    report.setHeartbeatInterval(text.get("heartbeatInterval"));
    report.setSelfFenceAfter(text.get("selfFenceAfter"));
    report.setHostGracePeriod(text.get("hostGracePeriod"));
    report.setFencing(text.get("fencing"));
    report.setMaxUnhealthyFraction(maxUnhealthyFraction());
    return report;
  }

  /**
   * How long an agent keeps its instances once its peers stop confirming an outage it was in (the
   * outage ends for them first): after the operator resumes failover it waits {@code
   * selfFenceAfter() + heartbeatInterval()} before counting a still-silent host's VMs as stopped,
   * and it resumes no earlier than about one heartbeat and one peer question before this agent
   * notices. What is left after the fence's own budget, one guard look and one more heartbeat of
   * slack, at least zero (3 s with the defaults; zero with timings as compressed as the demo's,
   * which then fences a host whose renewal is still failing when its peers' succeed).
   */
  public Duration outageEndGrace() {
    Duration left =
        selfFenceAfter()
            .minus(peerTimeout())
            .minus(FencingGuard.interval(heartbeatInterval()))
            .minus(fenceBudget())
            .minus(heartbeatInterval());
    return left.isNegative() ? Duration.ZERO : left;
  }
}
