package io.vmha.agent;

import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The self-fencing decision of F4, on the agent's own clock. The agent tells it when a heartbeat
 * renewal succeeded; on every heartbeat tick it asks {@link #evaluate}; the peers are asked only
 * when the agent is overdue.
 *
 * <pre>
 * since last renewal   policy     peers (asked only when overdue)       decision
 * &lt; selfFenceAfter     any        not asked                             Healthy: keep running
 * &gt;= selfFenceAfter    None       not asked                             NotConfigured: keep running
 * &gt;= selfFenceAfter    SelfFence  at least one reaches the API server   Fence: stop every instance
 * &gt;= selfFenceAfter    SelfFence  none does, none answers, or no peers  ApiOutage: keep running, ask again
 * </pre>
 *
 * After fencing, the agent stays quiet (no renewal, no start) until the API server is reachable and
 * {@code hostGracePeriod} has passed since its last renewal, so the operator has surely declared
 * the host lost and re-placed its VMs; then it resumes like a freshly started agent.
 */
public final class SelfFencing {

  /** The outcome of one evaluation. */
  public enum Decision {
    /** The heartbeat is fresh. */
    Healthy,
    /**
     * Overdue, but the fleet's policy is {@code None}: the operator keeps the DuplicateRisk record.
     */
    NotConfigured,
    /** Overdue, and no peer reaches the API server either: an API outage never fences the fleet. */
    ApiOutage,
    /** Overdue while a peer reaches the API server: this host is cut off; stop every instance. */
    Fence
  }

  private final FencingPolicy policy;
  private final Duration selfFenceAfter;
  private final Duration hostGracePeriod;
  private Instant lastRenewal;
  private Instant fencedAt;
  private Decision lastDecision = Decision.Healthy;
  private PeerClient.Verdict lastVerdict;

  public SelfFencing(
      FencingPolicy policy, Duration selfFenceAfter, Duration hostGracePeriod, Instant start) {
    this.policy = policy;
    this.selfFenceAfter = selfFenceAfter;
    this.hostGracePeriod = hostGracePeriod;
    this.lastRenewal = start;
  }

  public synchronized void renewed(Instant at) {
    lastRenewal = at;
  }

  public synchronized Instant lastRenewal() {
    return lastRenewal;
  }

  /** Decides; {@code askPeers} is called only when the heartbeat is overdue under SelfFence. */
  public synchronized Decision evaluate(Instant now, Supplier<PeerClient.Verdict> askPeers) {
    if (fencedAt != null) {
      return lastDecision;
    }
    if (Duration.between(lastRenewal, now).compareTo(selfFenceAfter) < 0) {
      lastDecision = Decision.Healthy;
    } else if (policy != FencingPolicy.SelfFence) {
      lastDecision = Decision.NotConfigured;
    } else {
      lastVerdict = askPeers.get();
      lastDecision = lastVerdict.someoneReachesApi() ? Decision.Fence : Decision.ApiOutage;
    }
    return lastDecision;
  }

  public synchronized void fenced(Instant at) {
    fencedAt = at;
  }

  public synchronized boolean isFenced() {
    return fencedAt != null;
  }

  /** Whether a fenced agent may come back: the API server answers and the grace period is over. */
  public synchronized boolean mayResume(Instant now, boolean apiUp) {
    return fencedAt != null
        && apiUp
        && Duration.between(lastRenewal, now).compareTo(hostGracePeriod) >= 0;
  }

  public synchronized void resumed() {
    fencedAt = null;
    lastDecision = Decision.Healthy;
  }

  /** Whether this host's heartbeat is fresh enough to tell a peer "I reach the API server". */
  public synchronized boolean apiReachable(Instant now, Duration freshness) {
    return fencedAt == null && Duration.between(lastRenewal, now).compareTo(freshness) <= 0;
  }

  public synchronized Decision lastDecision() {
    return lastDecision;
  }

  public synchronized PeerClient.Verdict lastVerdict() {
    return lastVerdict;
  }
}
