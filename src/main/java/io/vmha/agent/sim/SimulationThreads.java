package io.vmha.agent.sim;

import io.vmha.agent.AgentThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads every simulated host's agent shares: a real host has its own process, a simulated one
 * gets a slice of these pools so that hundreds of hosts fit in one JVM.
 */
final class SimulationThreads implements AutoCloseable {
  /** The agents' ordinary work, the simulated watchdogs and the guest agents' renewals. */
  final ScheduledThreadPoolExecutor executor;

  final ScheduledThreadPoolExecutor heartbeats;
  final ExecutorService renewals;
  final ScheduledThreadPoolExecutor guards;
  final ExecutorService fenceStops;
  final ExecutorService migrations;

  /**
   * The answers to every simulated host's questions to its peers: bounded, as the hosts share one
   * client (see {@link io.vmha.agent.PeerClient}).
   */
  final ThreadPoolExecutor peerAnswers;

  SimulationThreads(int threads) {
    AtomicInteger threadCount = new AtomicInteger();
    this.executor =
        new ScheduledThreadPoolExecutor(
            threads,
            r -> {
              Thread t = new Thread(r, "vmha-sim-" + threadCount.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    // heartbeats and fencing on threads of their own, shared by the simulated hosts (R1): timers
    // that only hand renewals to a pool growing with the renewals in flight
    int fencingThreads = Math.max(2, threads / 2);
    this.heartbeats = new ScheduledThreadPoolExecutor(2, AgentThreads.daemon("sim-beat"));
    heartbeats.setRemoveOnCancelPolicy(true);
    this.renewals = Executors.newCachedThreadPool(AgentThreads.daemon("sim-renew"));
    this.guards = new ScheduledThreadPoolExecutor(fencingThreads, AgentThreads.daemon("sim-guard"));
    guards.setRemoveOnCancelPolicy(true);
    this.fenceStops = Executors.newCachedThreadPool(AgentThreads.daemon("sim-fence"));
    this.migrations = Executors.newCachedThreadPool(AgentThreads.daemon("sim-migrate"));
    this.peerAnswers =
        new ThreadPoolExecutor(
            4,
            4,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            AgentThreads.daemon("sim-peer-answers"));
    peerAnswers.allowCoreThreadTimeOut(true);
  }

  @Override
  public void close() {
    executor.shutdownNow();
    heartbeats.shutdownNow();
    renewals.shutdownNow();
    guards.shutdownNow();
    fenceStops.shutdownNow();
    migrations.shutdownNow();
    peerAnswers.shutdownNow();
  }
}
