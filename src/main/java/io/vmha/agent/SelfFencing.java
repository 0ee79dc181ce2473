package io.vmha.agent;

import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.util.function.LongFunction;

/**
 * The self-fencing decision of F4, on the agent's monotonic clock (R2). The heartbeat tells it when
 * a renewal was acknowledged, timed from the moment its request was sent; the fencing guard asks
 * {@link #evaluate} several times per heartbeat interval; the peers are asked only when the agent
 * is overdue.
 *
 * <pre>
 * since last acknowledged renewal  policy     peers (asked only when overdue)                decision
 * &lt; selfFenceAfter                 any        not asked                                      Healthy
 * &gt;= selfFenceAfter                None       not asked                                      NotConfigured
 * &gt;= selfFenceAfter                SelfFence  one reaches the API server                     Fence
 * &gt;= selfFenceAfter                SelfFence  fewer than needed confirm an outage            Fence
 * &gt;= selfFenceAfter                SelfFence  enough confirm an outage, none reaches the API ApiOutage (ask again)
 * &gt;= selfFenceAfter, after ApiOutage SelfFence  no longer confirm                              OutageEnding, then Fence
 * </pre>
 *
 * "Enough" is what makes this host and the confirming peers more than {@code maxUnhealthyFraction}
 * of the fleet; a peer confirms if it lost the API server no later than this host did (within a
 * tolerance), so the operator counts it as lost by the time it judges this host and has frozen
 * failover. Silence confirms nothing, and an unknown fleet (no journal, no API server) confirms
 * nothing either.
 *
 * <p><b>A gap fences even if it ends.</b> If two acknowledged renewals are {@code selfFenceAfter}
 * or more apart and no confirmed outage covered the gap (the guard was stalled: a frozen process, a
 * long GC pause), the operator may have judged the host lost meanwhile: the next evaluation fences,
 * although the heartbeat is fresh again.
 *
 * <p>After fencing, the agent stays quiet (no renewal, no start) until the API server answers and
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
    /**
     * Overdue, and enough peers lost the API server with this host that the operator froze
     * failover: an API outage never fences the fleet.
     */
    ApiOutage,
    /**
     * Overdue right after a confirmed outage, and the peers no longer confirm it (they reach the
     * API server again, or too few are still silent): the operator waits {@code selfFenceAfter +
     * heartbeatInterval} after it resumes failover before it counts a still-silent host's VMs as
     * stopped, so this host keeps them for {@code outageEndGrace} while its own renewals get
     * through, and fences if they do not.
     */
    OutageEnding,
    /**
     * Overdue while a peer reaches the API server, without enough peers confirming an outage, or
     * after an unexcused gap between renewals: this host may be judged lost and its VMs re-placed.
     */
    Fence
  }

  private final FencingPolicy policy;
  private final long selfFenceAfter;
  private final long hostGracePeriod;
  private final long recheckEvery;
  private final long outageEndGrace;
  private final Ticker ticker;
  private long outageEndsBy;

  private long lastAck;
  private boolean gapMissed;
  private boolean asking;
  private long askedAt;
  private boolean outageConfirmedSinceAck;
  private long outageConfirmedAt;
  private boolean fenced;
  private long fences;
  private Decision lastDecision = Decision.Healthy;
  private PeerClient.Verdict lastVerdict;

  /**
   * @param recheckEvery how often an overdue agent asks its peers again (the heartbeat interval); a
   *     confirmed outage excuses a gap only while confirmations are no older than twice this
   * @param outageEndGrace how long the host keeps its instances once the peers stop confirming an
   *     outage it was in ({@link Decision#OutageEnding}); zero fences at once
   * @param lastRenewal the monotonic instant of the last acknowledged renewal (from the journal, or
   *     one the caller chose for "long ago")
   */
  public SelfFencing(
      FencingPolicy policy,
      Duration selfFenceAfter,
      Duration hostGracePeriod,
      Duration recheckEvery,
      Duration outageEndGrace,
      Ticker ticker,
      long lastRenewal) {
    this.policy = policy;
    this.selfFenceAfter = selfFenceAfter.toNanos();
    this.hostGracePeriod = hostGracePeriod.toNanos();
    this.recheckEvery = recheckEvery.toNanos();
    this.outageEndGrace = outageEndGrace.toNanos();
    this.ticker = ticker;
    this.lastAck = lastRenewal;
  }

  /**
   * A renewal whose request was sent at {@code sentAt} (monotonic) was acknowledged by the API
   * server.
   *
   * @return false if it is ignored: the agent is fenced and stays quiet
   */
  public synchronized boolean acknowledged(long sentAt) {
    if (fenced) {
      return false;
    }
    if (sentAt - lastAck <= 0) {
      return true; // an older request than one already counted
    }
    boolean excused =
        asking // the question decides: Fence if the peers do not confirm an outage
            || (outageConfirmedSinceAck && sentAt - outageConfirmedAt <= 2 * recheckEvery)
            || (lastDecision == Decision.OutageEnding && sentAt - outageEndsBy < 0);
    if (policy == FencingPolicy.SelfFence && sentAt - lastAck >= selfFenceAfter && !excused) {
      gapMissed = true;
    }
    lastAck = sentAt;
    outageConfirmedSinceAck = false;
    return true;
  }

  /** The monotonic instant the last acknowledged renewal was sent. */
  public synchronized long lastRenewal() {
    return lastAck;
  }

  /** How long since the last acknowledged renewal was sent. */
  public synchronized Duration sinceRenewal() {
    return Duration.ofNanos(ticker.nanos() - lastAck);
  }

  /**
   * Decides; {@code askPeers} (given this host's renewal age in nanoseconds) is called only when
   * the heartbeat is overdue under SelfFence, at most once per {@code recheckEvery} while an outage
   * is confirmed, and without holding this object: in an outage every agent asks while its peers
   * ask it, and an answer ({@link #answer}) that waited for the asker's own question to end would
   * come too late for every one of them, so all would fence.
   */
  public Decision evaluate(LongFunction<PeerClient.Verdict> askPeers) {
    long age;
    long now;
    synchronized (this) {
      if (fenced) {
        return lastDecision;
      }
      now = ticker.nanos();
      if (gapMissed) {
        lastDecision = Decision.Fence;
        lastVerdict = null;
        return lastDecision;
      }
      age = now - lastAck;
      if (age < selfFenceAfter) {
        lastDecision = Decision.Healthy;
        return lastDecision;
      }
      if (policy != FencingPolicy.SelfFence) {
        lastDecision = Decision.NotConfigured;
        return lastDecision;
      }
      if (lastDecision == Decision.OutageEnding) {
        if (now - outageEndsBy < 0) {
          return lastDecision; // its own renewal may still get through: no new question needed
        }
        lastDecision = Decision.Fence;
        return lastDecision;
      }
      if (asking || (lastDecision == Decision.ApiOutage && now - askedAt < recheckEvery)) {
        return lastDecision;
      }
      asking = true;
      askedAt = now;
    }
    PeerClient.Verdict verdict = null;
    try {
      verdict = askPeers.apply(age);
    } finally {
      synchronized (this) {
        asking = false;
        if (!fenced) {
          lastVerdict = verdict;
          if (verdict != null && verdict.outageConfirmed()) {
            outageConfirmedSinceAck = true;
            outageConfirmedAt = now;
            lastDecision = Decision.ApiOutage;
          } else if (lastDecision == Decision.ApiOutage && outageEndGrace > 0) {
            // counted from when the answer came: that is when this host learnt the outage ended
            outageEndsBy = ticker.nanos() + outageEndGrace;
            lastDecision = Decision.OutageEnding;
          } else {
            lastDecision = Decision.Fence;
          }
        }
      }
    }
    synchronized (this) {
      return lastDecision;
    }
  }

  /** Whether the last evaluation fenced because of a gap between renewals, not an overdue one. */
  public synchronized boolean fencedForAGap() {
    return gapMissed;
  }

  /** The agent stopped its instances: it stays quiet until {@link #mayResume}. */
  public synchronized void fenced() {
    fenced = true;
    fences++;
  }

  public synchronized boolean isFenced() {
    return fenced;
  }

  /** How many times this agent fenced: the agent's loop drops what it remembered on a change. */
  public synchronized long fences() {
    return fences;
  }

  /** Whether a fenced agent may come back: the API server answers and the grace period is over. */
  public synchronized boolean mayResume(boolean apiAnswers) {
    return fenced && apiAnswers && ticker.nanos() - lastAck >= hostGracePeriod;
  }

  /** Comes back like a freshly started agent that has just reached the API server. */
  public synchronized void resumed() {
    fenced = false;
    gapMissed = false;
    outageConfirmedSinceAck = false;
    lastAck = ticker.nanos();
    lastDecision = Decision.Healthy;
  }

  /**
   * What this host tells a peer: it reaches the API server if its heartbeat is fresh enough (and it
   * is not fenced), and how long ago its last acknowledged renewal was sent, in milliseconds.
   */
  public synchronized PeerServer.Answer answer(Duration freshness) {
    long age = ticker.nanos() - lastAck;
    boolean reachable = !fenced && age <= freshness.toNanos();
    return new PeerServer.Answer(reachable, Math.max(0, age / 1_000_000));
  }

  public synchronized Decision lastDecision() {
    return lastDecision;
  }

  public synchronized PeerClient.Verdict lastVerdict() {
    return lastVerdict;
  }
}
