package io.vmha.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the host's heartbeat Lease every interval, on threads of its own (R1): driver work,
 * informers and reports never delay it. Each renewal goes through a client with a deadline well
 * below {@code selfFenceAfter - heartbeatInterval} and no retries, so a hung API server shows up as
 * a failed renewal within that deadline, not minutes later. An acknowledged renewal counts from the
 * moment its request was sent (R2) and is journaled.
 *
 * <p>While the agent is fenced it does not renew: it only asks whether the API server answers, and
 * resumes the agent when it does and the grace period is over. An API server that refuses the
 * agent's credential does not count as answering, and the refusal is logged and counted as it is
 * for a renewal.
 */
final class Heartbeat implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

  private final String host;
  private final Leases leases;
  private final SelfFencing fencing;
  private final AgentJournal journal;
  private final String bootId;
  private final Ticker ticker;
  private final Clock clock;
  private final ApiLink api;
  private final Supplier<Map<String, PeerClient.Peer>> peers;
  private final IntSupplier fleetSize;
  private final Duration interval;
  private final ScheduledExecutorService executor;
  private final java.util.concurrent.Executor renewals;
  private final java.util.concurrent.atomic.AtomicBoolean inFlight =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Runnable onResume;
  private final AgentRun run;
  private volatile AgentMetrics.Host metrics = AgentMetrics.Host.NONE;
  private ScheduledFuture<?> loop;
  private int failuresInARow;
  private boolean lastFailureRefused;
  private volatile long acknowledged;

  Heartbeat(
      String host,
      Leases leases,
      SelfFencing fencing,
      AgentJournal journal,
      String bootId,
      Ticker ticker,
      Clock clock,
      ApiLink api,
      Supplier<Map<String, PeerClient.Peer>> peers,
      IntSupplier fleetSize,
      Duration interval,
      ScheduledExecutorService executor,
      java.util.concurrent.Executor renewals,
      AgentRun run,
      Runnable onResume) {
    this.host = host;
    this.leases = leases;
    this.fencing = fencing;
    this.journal = journal;
    this.bootId = bootId;
    this.ticker = ticker;
    this.clock = clock;
    this.api = api;
    this.peers = peers;
    this.fleetSize = fleetSize;
    this.interval = interval;
    this.executor = executor;
    this.renewals = renewals;
    this.onResume = onResume;
    this.run = run;
  }

  synchronized void start() {
    if (loop == null) {
      loop = executor.scheduleAtFixedRate(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Where renewals are counted (none by default). */
  void countIn(AgentMetrics.Host value) {
    this.metrics = value;
  }

  /** Acknowledged renewals so far. */
  long renewals() {
    return acknowledged;
  }

  /**
   * The timer only hands the renewal to a thread of the renewal pool, so a simulation's many hosts
   * share one timer and as many renewal threads as their renewals, each bounded by its deadline,
   * need at once; a renewal still in flight is not doubled.
   */
  private void tick() {
    if (!inFlight.compareAndSet(false, true)) {
      return;
    }
    try {
      renewals.execute(
          () -> {
            try {
              beat();
            } finally {
              inFlight.set(false);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      inFlight.set(false);
    }
  }

  void beat() {
    try {
      if (fencing.isFenced()) {
        if (fencing.mayResume(apiAnswers())) {
          fencing.resumed();
          run.begin(clock.instant());
          LOG.warn("agent of {} reaches the API server again after self-fencing: resuming", host);
          onResume.run();
        } else {
          return;
        }
      }
      long sent = ticker.nanos();
      var wall = clock.instant();
      api.check();
      leases.renewHeartbeat(wall, run.since());
      if (!fencing.acknowledged(sent)) {
        return;
      }
      acknowledged++;
      metrics.renewed();
      if (failuresInARow > 0) {
        LOG.info("agent of {} renews its heartbeat again after {} failures", host, failuresInARow);
        onResume.run(); // its informers may lag behind: the work loop re-reads from the API
      }
      failuresInARow = 0;
      lastFailureRefused = false;
      journal.renewed(
          new AgentJournal.Entry(
              wall, sent, bootId, Map.copyOf(peers.get()), fleetSize.getAsInt()));
    } catch (ApiLink.ApiUnreachableException e) {
      failed(e);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      failed(e);
    } catch (RuntimeException e) {
      LOG.warn("agent of {}: heartbeat failed", host, e);
    }
  }

  private void failed(RuntimeException e) {
    boolean refused = refusedCredential(e);
    if (refused) {
      metrics.refused();
    } else {
      metrics.failed();
    }
    // a refused credential needs a person: say so even if the failures began otherwise
    boolean newKind = refused != lastFailureRefused;
    lastFailureRefused = refused;
    if (failuresInARow++ == 0 || newKind) {
      LOG.warn("agent of {} could not renew its heartbeat: {}", host, describe(e));
    } else {
      LOG.debug("agent of {} could not renew its heartbeat: {}", host, describe(e));
    }
  }

  private boolean apiAnswers() {
    if (!api.up()) {
      return false;
    }
    try {
      leases.probe();
      return true;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (refusedCredential(e)) {
        failed(e); // fenced for its credential: the log and the metrics still say so
      }
      return false;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean refusedCredential(RuntimeException e) {
    return e instanceof io.fabric8.kubernetes.client.KubernetesClientException k
        && (k.getCode() == 401 || k.getCode() == 403);
  }

  /** 401/403 named as such: a refused credential fences like any lost renewal, but says why. */
  private static String describe(RuntimeException e) {
    if (refusedCredential(e)) {
      return "the API server refuses this agent's credential (HTTP "
          + ((io.fabric8.kubernetes.client.KubernetesClientException) e).getCode()
          + ")";
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause == e ? e.toString() : e.getMessage() + " (" + cause + ")";
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.cancel(true);
      loop = null;
    }
  }
}
