package io.vmha.agent;

import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * The self-fencing decision of F4, on the agent's own clock. The agent tells it when a heartbeat
 * renewal succeeded; on every heartbeat tick it asks {@link #evaluate}; the peers are asked only
 * when the agent is overdue.
 *
 * <pre>
 * since last renewal   policy     peers (asked only when overdue)                decision
 * &lt; selfFenceAfter     any        not asked                                      Healthy: keep running
 * &gt;= selfFenceAfter    None       not asked                                      NotConfigured: keep running
 * &gt;= selfFenceAfter    SelfFence  one reaches the API server                     Fence: stop every instance
 * &gt;= selfFenceAfter    SelfFence  fewer than needed confirm an outage            Fence: stop every instance
 * &gt;= selfFenceAfter    SelfFence  enough confirm an outage, none reaches the API ApiOutage: keep running, ask again
 * </pre>
 *
 * "Enough" is what makes this host and the confirming peers more than {@code maxUnhealthyFraction}
 * of the fleet; a peer confirms if it lost the API server no later than this host did (within a
 * tolerance), so the operator counts it as lost by the time it judges this host and has frozen
 * failover. Silence confirms nothing: a host cut off from the API server and from its peers alike
 * fences, because the operator may well be failing its VMs over.
 *
 * <p>After fencing, the agent stays quiet (no renewal, no start) until the API server is reachable
 * and {@code hostGracePeriod} has passed since its last renewal, so the operator has surely
 * declared the host lost and re-placed its VMs; then it resumes like a freshly started agent.
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
    /**
     * Overdue, and enough peers lost the API server with this host that the operator froze
     * failover: an API outage never fences the fleet.
     */
    ApiOutage,
    /**
     * Overdue while a peer reaches the API server, or without enough peers confirming an outage:
     * this host may be judged lost and its VMs re-placed; stop every instance.
     */
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

  /**
   * Decides; {@code askPeers} (given the last renewal) is called only when the heartbeat is overdue
   * under SelfFence, and without holding this object: in an outage every agent asks while its peers
   * ask it, and an answer ({@link #answer}) that waited for the asker's own question to end would
   * come too late for every one of them, so all would fence.
   */
  public Decision evaluate(Instant now, Function<Instant, PeerClient.Verdict> askPeers) {
    Instant renewal;
    synchronized (this) {
      if (fencedAt != null) {
        return lastDecision;
      }
      if (Duration.between(lastRenewal, now).compareTo(selfFenceAfter) < 0) {
        lastDecision = Decision.Healthy;
        return lastDecision;
      }
      if (policy != FencingPolicy.SelfFence) {
        lastDecision = Decision.NotConfigured;
        return lastDecision;
      }
      renewal = lastRenewal;
    }
    PeerClient.Verdict verdict = askPeers.apply(renewal);
    synchronized (this) {
      lastVerdict = verdict;
      lastDecision = verdict.outageConfirmed() ? Decision.ApiOutage : Decision.Fence;
      return lastDecision;
    }
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

  /**
   * What this host tells a peer: it reaches the API server if its heartbeat is fresh enough (and it
   * is not fenced), and when it last renewed.
   */
  public synchronized PeerServer.Answer answer(Instant now, Duration freshness) {
    boolean reachable =
        fencedAt == null && Duration.between(lastRenewal, now).compareTo(freshness) <= 0;
    return new PeerServer.Answer(reachable, lastRenewal);
  }

  public synchronized Decision lastDecision() {
    return lastDecision;
  }

  public synchronized PeerClient.Verdict lastVerdict() {
    return lastVerdict;
  }
}
