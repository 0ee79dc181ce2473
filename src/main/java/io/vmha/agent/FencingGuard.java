package io.vmha.agent;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges, several times per heartbeat interval and on a thread of its own, whether this host must
 * fence itself (F4, R1-R4): it reads the monotonic age of the last acknowledged renewal from {@link
 * SelfFencing}, asks the peers when overdue, stops every instance when due ({@link Fence}), and
 * feeds the watchdog only while the host may keep its instances: renewal fresh, an outage
 * confirmed, or a fence that left nothing running. A fence that left an instance behind, or this
 * thread stalling, stop the feeding, and the watchdog resets the host. A fence that starts is fed
 * once, if the watchdog's timeout from then still ends before the operator's grace period: the peer
 * question before it (up to a peer timeout, when the peers cannot be reached) and the guard's last
 * look have used part of the watchdog's time, and without that feed a fence that would finish well
 * within its budget has its host reset under it.
 */
final class FencingGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FencingGuard.class);

  private final String host;
  private final SelfFencing fencing;
  private final Fence fence;
  private final Watchdog watchdog;
  private final LongFunction<PeerClient.Verdict> askPeers;
  private final Duration every;
  private final long fenceFedUpToAge;
  private final ScheduledExecutorService executor;
  private final Runnable onFenced;
  private ScheduledFuture<?> loop;
  private SelfFencing.Decision logged = SelfFencing.Decision.Healthy;
  private volatile Fence.Result lastFence;

  FencingGuard(
      String host,
      SelfFencing fencing,
      Fence fence,
      Watchdog watchdog,
      LongFunction<PeerClient.Verdict> askPeers,
      Duration every,
      Duration fenceFedUpToAge,
      ScheduledExecutorService executor,
      Runnable onFenced) {
    this.host = host;
    this.fencing = fencing;
    this.fence = fence;
    this.watchdog = watchdog;
    this.askPeers = askPeers;
    this.every = every;
    this.fenceFedUpToAge = fenceFedUpToAge.toNanos();
    this.executor = executor;
    this.onFenced = onFenced;
  }

  /**
   * How often the guard looks: a quarter heartbeat, between 10 and 250 ms, so a fence is at most
   * that late.
   */
  static Duration interval(Duration heartbeatInterval) {
    long millis = Math.max(10, Math.min(250, heartbeatInterval.toMillis() / 4));
    return Duration.ofMillis(millis);
  }

  synchronized void start() {
    if (loop == null) {
      loop = executor.scheduleWithFixedDelay(this::check, 0, every.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** The last fence's outcome, or null if it never fenced. */
  Fence.Result lastFence() {
    return lastFence;
  }

  void check() {
    try {
      if (fencing.isFenced()) {
        Fence.Result last = lastFence;
        if (last != null && !last.clean()) {
          // keep trying; the watchdog stays hungry until nothing is left
          lastFence = fence.stopAll();
          if (lastFence.clean()) {
            LOG.warn("agent of {}: the fence is complete now", host);
          }
        }
        if (lastFence == null || lastFence.clean()) {
          watchdog.feed();
        }
        return;
      }
      SelfFencing.Decision decision = fencing.evaluate(askPeers);
      logTransition(decision);
      if (decision != SelfFencing.Decision.Fence) {
        watchdog.feed();
        return;
      }
      fencing.fenced();
      if (fencing.sinceRenewal().toNanos() <= fenceFedUpToAge) {
        watchdog.feed();
      }
      Fence.Result result = fence.stopAll();
      lastFence = result;
      if (result.clean()) {
        LOG.warn(
            "agent of {} fenced itself: {} instance(s) stopped in {} ms",
            host,
            result.stopped(),
            result.took().toMillis());
        watchdog.feed();
      } else {
        LOG.error(
            "agent of {}: the fence left {} running after {} ms ({}): no longer feeding the"
                + " watchdog {}, which resets the host",
            host,
            result.survivors(),
            result.took().toMillis(),
            fence.budget(),
            watchdog.describe());
      }
      onFenced.run();
    } catch (RuntimeException e) {
      // a guard that cannot decide must not keep the host alive: no feeding this round
      LOG.error("agent of {}: fencing check failed", host, e);
    }
  }

  private void logTransition(SelfFencing.Decision decision) {
    if (decision == logged) {
      return;
    }
    PeerClient.Verdict verdict = fencing.lastVerdict();
    switch (decision) {
      case Healthy -> LOG.info("agent of {} renews its heartbeat again", host);
      case NotConfigured ->
          LOG.warn(
              "agent of {} has not renewed its heartbeat for {} ms; fencing policy None: its"
                  + " instances keep running",
              host,
              fencing.sinceRenewal().toMillis());
      case ApiOutage ->
          LOG.info(
              "agent of {} cannot renew its heartbeat, and {} of {} peers confirm they lost the"
                  + " API server no later (needed {}): an API outage the operator freezes"
                  + " failover for, nothing is fenced",
              host,
              verdict.confirmed(),
              verdict.asked(),
              verdict.needed());
      case OutageEnding ->
          LOG.warn(
              "agent of {}: its peers no longer confirm an API outage; it keeps its instances for"
                  + " a little longer while its own renewals try to get through, and fences if"
                  + " they do not",
              host);
      case Fence -> logFence(verdict);
    }
    logged = decision;
  }

  private void logFence(PeerClient.Verdict verdict) {
    if (verdict == null) {
      LOG.warn(
          "agent of {}: two heartbeat renewals were selfFenceAfter or more apart (the agent"
              + " stalled) and the operator may have acted meanwhile: self-fencing, stopping every"
              + " instance",
          host);
    } else if (verdict.someoneReachesApi()) {
      LOG.warn(
          "agent of {} has not renewed its heartbeat for {} ms while peer {} reaches the API"
              + " server: self-fencing, stopping every instance",
          host,
          fencing.sinceRenewal().toMillis(),
          verdict.reachingPeer());
    } else {
      LOG.warn(
          "agent of {} has not renewed its heartbeat for {} ms and only {} of the {} peers"
              + " needed confirm they lost the API server too ({} asked, {} answered): the"
              + " operator may be failing its VMs over, self-fencing, stopping every instance",
          host,
          fencing.sinceRenewal().toMillis(),
          verdict.confirmed(),
          verdict.needed() == PeerClient.FLEET_UNKNOWN ? "?" : verdict.needed(),
          verdict.asked(),
          verdict.answered());
    }
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.cancel(false);
      loop = null;
    }
  }
}
