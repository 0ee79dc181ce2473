package io.vmha.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.InstanceToStop;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one hypervisor host (docs/agent-protocol.md, "What an agent does"). Three loops,
 * each on threads of its own, so none waits on another:
 *
 * <ul>
 *   <li>the {@link Heartbeat} renews the heartbeat Lease every interval, with a deadline per
 *       request;
 *   <li>the {@link FencingGuard} judges on the monotonic clock whether to fence (F4), stops every
 *       instance when due, and feeds the watchdog while the host may keep them;
 *   <li>the work loop, every heartbeat interval and whenever the informers see a change that
 *       concerns its host: run the VMs placed on it, stop those in phase {@code Stopping},
 *       live-migrate those with a migration target (on a pool of their own), stop {@code
 *       status.instancesToStop}, pause instances while storage is lost, carry out a fencing request
 *       (S4), renew the SPM Lease while holder and healthy, and report {@code status.reported} when
 *       it changed.
 * </ul>
 *
 * Work ticks never overlap. Without the API server the work loop keeps working from the last
 * picture it read, so its VMs keep running; only the guard stops them, by fencing. After a fence
 * the work loop starts nothing until the heartbeat resumes the agent.
 */
public final class HostAgent implements AutoCloseable {
  /** Reason of an instance paused because its host lost storage (S1). */
  public static final String STORAGE_LOST = "StorageLost";

  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final AgentOptions options;
  private final String me;
  private final KubernetesClient client;
  private final ClusterView view;
  private final HypervisorDriver driver;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final ApiLink api;
  private final PeerServer peerServer;
  private final String advertisedEndpoint;
  private final HostKey hostKey;
  private final PeerDirectory peers;
  private final SelfFencing selfFencing;
  private final Heartbeat heartbeat;
  private final FencingGuard guard;
  private final Watchdog watchdog;
  private final java.util.function.BooleanSupplier viewReady;
  private final List<ExecutorService> owned;

  private final AtomicBoolean wakePending = new AtomicBoolean();
  private volatile boolean running;
  private ScheduledFuture<?> loop;
  private ClusterView.Subscription subscription;
  private String endpoint = "";
  private long fencesSeen;

  /**
   * When this agent last fenced itself, until the operator acknowledges it (R7): the agent starts
   * nothing meanwhile, so nothing it starts races with the operator re-placing its VMs.
   */
  private volatile String selfFencedAt;

  private final AgentJournal journal;
  private final GuestAgentProbe guestAgents;
  private final GuestMonitor monitor;
  private final ScheduledExecutorService guestAgentTimer;

  /** Set by the heartbeat when renewals get through again; the work loop then re-lists. */
  private volatile boolean apiBack;

  private final InstanceKeeper keeper;
  private final StatusReporter reporter;
  private final WorkReader workReader;
  private final SpmDuties spm;
  private final SettingsCheck settingsCheck;
  private final Ticker ticker;

  HostAgent(HostAgentBuilder b) {
    this.options = Objects.requireNonNull(b.options, "options");
    this.me = options.host();
    this.client = Objects.requireNonNull(b.client, "client");
    this.view = Objects.requireNonNull(b.view, "view");
    this.driver = Objects.requireNonNull(b.driver, "driver");
    this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
    Ticker ticker = b.ticker == null ? Ticker.following(clock) : b.ticker;
    this.executor = Objects.requireNonNull(b.executor, "executor");
    this.peerServer = b.peerServer;
    this.advertisedEndpoint = b.advertisedEndpoint;
    this.hostKey = b.hostKey == null ? HostKey.generate() : b.hostKey;
    this.api = b.api == null ? ApiLink.ALWAYS_UP : b.api;
    this.watchdog = b.watchdog == null ? Watchdog.NONE : b.watchdog;
    this.viewReady = b.viewReady == null ? () -> true : b.viewReady;
    AgentJournal journal = Objects.requireNonNull(b.journal, "journal");
    String bootId = b.bootId == null ? AgentJournal.currentBootId() : b.bootId;
    List<ExecutorService> mine = new ArrayList<>();
    ScheduledExecutorService beats =
        AgentThreads.givenOrOwn(
            b.heartbeatExecutor, mine, () -> AgentThreads.scheduled("heartbeat"));
    ScheduledExecutorService guards =
        AgentThreads.givenOrOwn(b.guardExecutor, mine, () -> AgentThreads.scheduled("fencing"));
    ExecutorService migrations =
        AgentThreads.givenOrOwn(b.migrationExecutor, mine, () -> AgentThreads.pool("migrate"));
    ExecutorService stoppers =
        AgentThreads.givenOrOwn(b.fenceExecutor, mine, () -> AgentThreads.pool("fence"));
    // idle until storage is lost: a cached pool has no thread until then
    ExecutorService stateChanges = AgentThreads.pool("pause");
    mine.add(stateChanges);
    ExecutorService renewals =
        AgentThreads.givenOrOwn(b.renewalExecutor, mine, () -> AgentThreads.pool("renew"));
    // never the fencing thread's: a guest that does not answer costs its ping's timeout; and none
    // where the hypervisor cannot ask (a simulation of a thousand hosts has no thread for it)
    this.guestAgentTimer =
        driver.reachesGuestAgents() ? AgentThreads.scheduled("guest-agents") : null;
    if (guestAgentTimer != null) {
      mine.add(guestAgentTimer);
    }
    this.owned = List.copyOf(mine);
    int duration = (int) Math.max(1, options.hostGracePeriod().toSeconds());
    KubernetesClient beatClient = b.heartbeatClient == null ? client : b.heartbeatClient;

    Remembered remembered = Remembered.from(journal, bootId, ticker.nanos(), options);
    this.peers = new PeerDirectory(options, b.peerClient, api, remembered);
    this.journal = journal;
    this.selfFencedAt = journal.unacknowledgedFence().orElse(null);
    long lastRenewal = remembered.lastRenewal();
    this.selfFencing =
        new SelfFencing(
            options.fencing(),
            options.selfFenceAfter(),
            options.hostGracePeriod(),
            options.heartbeatInterval(),
            options.outageEndGrace(),
            ticker,
            lastRenewal);
    this.ticker = ticker;
    // one small read per ten heartbeats, inside the work loop: on the deadline client, without
    // retries, so a cut holds the loop for one deadline instead of the retrying client's ~20 s
    this.settingsCheck = new SettingsCheck(beatClient, options);
    this.keeper =
        new InstanceKeeper(
            me,
            driver,
            clock,
            migrations,
            stateChanges,
            selfFencing,
            this::wake,
            options.hostGracePeriod());
    this.guestAgents = new GuestAgentProbe(driver, clock);
    this.monitor = new GuestMonitor(me, driver, clock, guestAgents);
    this.workReader =
        new WorkReader(
            me,
            view,
            api,
            peers,
            // on the deadline client, like the settings: a cut holds the loop one deadline
            new OwnHostCheck(
                me,
                name -> beatClient.resources(io.vmha.api.VmHost.class).withName(name).get(),
                options.heartbeatInterval().toNanos(),
                ticker::nanos,
                view::restartWatches),
            () -> selfFencing.lastDecision() == SelfFencing.Decision.Healthy);
    AgentRun run = new AgentRun(clock.instant());

    this.reporter =
        new StatusReporter(
            client,
            me,
            driver,
            this.api,
            options.agentVersion(),
            options.settingsReport(),
            hostKey.publishedKeys(),
            guestAgents::answers,
            monitor,
            run,
            options.heartbeatInterval());
    this.heartbeat =
        new Heartbeat(
            me,
            new Leases(beatClient, options.leaseNamespace(), me, duration),
            selfFencing,
            journal,
            bootId,
            ticker,
            clock,
            api,
            peers::endpoints,
            peers::fleetSize,
            options.heartbeatInterval(),
            beats,
            renewals,
            run,
            this::apiBack);
    this.guard =
        new FencingGuard(
            me,
            selfFencing,
            new Fence(me, driver, stoppers, options.fenceBudget()),
            watchdog,
            peers::ask,
            FencingGuard.interval(options.heartbeatInterval()),
            options.hostGracePeriod().minus(options.watchdogTimeout()),
            guards,
            () -> fenced(clock.instant().toString()));
    this.spm =
        new SpmDuties(
            me,
            driver,
            view,
            api,
            new Leases(client, options.leaseNamespace(), me, duration),
            () -> {
              keeper.forget();
              reporter.forget();
            });
  }

  /**
   * Remembers a self-fence until the operator acknowledges it (null: acknowledged), in memory and
   * in the journal, so a restarted agent keeps waiting too.
   */
  private void fenced(String fencedAt) {
    selfFencedAt = fencedAt;
    try {
      journal.fence(fencedAt);
    } catch (RuntimeException e) {
      LOG.error("agent of {}: cannot journal its self-fence {}", me, fencedAt, e);
    }
  }

  public static HostAgentBuilder builder(AgentOptions options) {
    return new HostAgentBuilder(options);
  }

  /** Starts the fencing guard and the heartbeat first, then the peer endpoint and the work loop. */
  public synchronized HostAgent start() {
    if (running) {
      return this;
    }
    running = true;
    guard.start();
    heartbeat.start();
    if (peerServer != null) {
      String served =
          peerServer.register(
              me,
              hostKey,
              () -> api.peersReachable() ? selfFencing.answer(options.apiFreshness()) : null);
      endpoint = advertisedEndpoint == null ? served : advertisedEndpoint;
      peerServer.registerInventory(me, driver::instances);
      heartbeat.countIn(
          peerServer
              .metrics()
              .forHost(
                  me,
                  () -> selfFencing.answer(options.apiFreshness()).renewalAgeMillis() / 1000.0,
                  selfFencing::isFenced));
    }
    subscription = view.subscribe(me, this::wake);
    if (guestAgentTimer != null) {
      guestAgents.start(guestAgentTimer, options.heartbeatInterval());
    }
    long interval = options.heartbeatInterval().toNanos();
    loop = executor.scheduleWithFixedDelay(() -> tick(true), 0, interval, TimeUnit.NANOSECONDS);
    LOG.info(
        "agent of {} started (driver {}, heartbeat every {}, renewal deadline {}, fence budget {},"
            + " watchdog {})",
        me,
        driver.name(),
        options.heartbeatInterval(),
        options.renewalDeadline(),
        options.fenceBudget(),
        watchdog.describe());
    return this;
  }

  /**
   * Stops the loops as if the process died: nothing is cleaned up, instances keep running, the
   * heartbeat simply stops, the watchdog is left as it is. Peers asking its endpoint get no answer.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      if (loop != null) {
        loop.cancel(false);
      }
      if (subscription != null) {
        subscription.close();
      }
      if (peerServer != null) {
        peerServer.unregister(me);
      }
    }
    heartbeat.close();
    guard.close();
    owned.forEach(ExecutorService::shutdownNow);
    LOG.info("agent of {} stopped", me);
  }

  public String host() {
    return me;
  }

  public boolean isRunning() {
    return running;
  }

  /** The peer endpoint URL this agent reports, or "" without a peer server. */
  public String endpoint() {
    return endpoint;
  }

  public SelfFencing.Decision lastSelfFenceDecision() {
    return selfFencing.lastDecision();
  }

  public PeerClient.Verdict lastPeerVerdict() {
    return selfFencing.lastVerdict();
  }

  public boolean isSelfFenced() {
    return selfFencing.isFenced();
  }

  /** The public key this agent signs its peer answers with now. */
  public String peerKey() {
    return hostKey.publicKey();
  }

  /**
   * The keys this agent would accept each peer's answer with, by host, as it would ask them in an
   * outage; empty until it has read its peers since it started (then no outage can be confirmed to
   * it, and it fences when it loses the API server).
   */
  public Map<String, List<String>> peerKeys() {
    if (!peers.wasRead()) {
      return Map.of();
    }
    Map<String, List<String>> keys = new java.util.HashMap<>();
    peers.endpoints().forEach((host, peer) -> keys.put(host, peer.keys()));
    return keys;
  }

  private volatile AgentWork lastWork;
  private volatile long lastWorkNanos;

  /**
   * What the work loop last acted on, for a person looking into a host that does not do what the
   * operator asks: how long ago, the version of its own VmHost it read, the instances listed to
   * stop there, and its migrations in flight.
   */
  public String describeWork() {
    AgentWork work = lastWork;
    if (work == null) {
      return "no work read yet (view ready: " + viewReady.getAsBoolean() + ")";
    }
    var stops = work.status().getInstancesToStop();
    return String.format(
        "work read %d ms ago from VmHost version %s (view ready: %s, fenced: %s): to stop %s,"
            + " migrating %s",
        (System.nanoTime() - lastWorkNanos) / 1_000_000,
        work.self() == null ? null : work.self().getMetadata().getResourceVersion(),
        viewReady.getAsBoolean(),
        selfFencing.isFenced(),
        stops == null ? List.of() : stops.stream().map(InstanceToStop::getName).toList(),
        keeper.migratingNow());
  }

  /** How many times this agent fenced itself. */
  public long fences() {
    return selfFencing.fences();
  }

  /** The last fence's outcome, or null if this agent never fenced. */
  public Fence.Result lastFence() {
    return guard.lastFence();
  }

  /** Heartbeat renewals the API server acknowledged since this agent started. */
  public long heartbeatRenewals() {
    return heartbeat.renewals();
  }

  /** How many times the agent restarted itself for a fencing request (S4). */
  public synchronized int fenceRestarts() {
    return spm.fenceRestarts();
  }

  public synchronized int spmRenewals() {
    return spm.spmRenewals();
  }

  /**
   * The API server acknowledges renewals again after failing them (or after a self-fence): the
   * informers may lag behind it for a while, so the next ticks read the placements from it.
   */
  private void apiBack() {
    apiBack = true;
    wake();
  }

  /** Asks for a tick soon (coalesced: many changes make one tick). */
  public void wake() {
    if (running && wakePending.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              wakePending.set(false);
              tick(false);
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        wakePending.set(false);
      }
    }
  }

  /** One pass of the work loop; {@code timer} ticks also read peers and renew the SPM Lease. */
  synchronized void tick(boolean timer) {
    if (!running || !viewReady.getAsBoolean()) {
      return;
    }
    try {
      if (selfFencing.isFenced()) {
        return;
      }
      long fences = selfFencing.fences();
      if (fences != fencesSeen) {
        // fenced and resumed since the last tick: start over like a fresh agent, from a fresh list
        fencesSeen = fences;
        keeper.forget();
        reporter.forget();
        workReader.forget();
      }
      if (apiBack) {
        apiBack = false;
        workReader.readFromApi();
      }
      Instant now = clock.instant();
      AgentWork work = workReader.read(timer);
      if (work == null) {
        return;
      }
      lastWork = work;
      lastWorkNanos = System.nanoTime();
      if (timer) {
        settingsCheck.refresh(ticker.nanos());
      }
      String fence = selfFencedAt;
      boolean mayStart = fence == null && settingsCheck.agrees();
      if (fence != null && fence.equals(work.status().getSelfFenceAcknowledged())) {
        // acknowledged: what is placed here now was decided knowing this host had fenced; read it
        // from the API server, not from a cache that may still show the placements of before
        LOG.info("agent of {}: the operator acknowledged its self-fence of {}", me, fence);
        fenced(null);
        workReader.readFromApi();
        wake();
        return;
      }
      if (mayStart) {
        step("run placed VMs", () -> keeper.runPlaced(work));
        step("migrate", () -> keeper.migrate(work));
      }
      step("stop instances", () -> keeper.stopListed(work));
      step("storage", () -> keeper.guardStorage(work));
      if (mayStart) {
        step("monitor guests", () -> monitorGuests(work));
      }
      boolean fenced = spm.fencing(work);
      if (timer && selfFencing.lastDecision() == SelfFencing.Decision.Healthy) {
        step("renew SPM", () -> spm.renewSpm(work, fenced, now));
      }
      step(
          "report",
          () -> {
            Map<InstanceRef, Instance> listed = listedOrNull();
            reporter.report(
                work,
                fenced,
                now,
                endpoint,
                selfFencedAt,
                listed,
                keeper.migrationFailures(),
                keeper.migratingAway(listed));
          });
    } catch (RuntimeException e) {
      LOG.warn("agent of {}: tick failed", me, e);
    }
  }

  /**
   * M1. A hypervisor whose guest agents answer at once (the simulation) is asked here; one that
   * takes a ping's timeout per silent guest (libvirt) is asked on a thread of its own.
   */
  private void monitorGuests(AgentWork work) {
    if (guestAgentTimer == null) {
      guestAgents.probe();
    }
    boolean healthy =
        !selfFencing.isFenced()
            && selfFencing.lastDecision() == SelfFencing.Decision.Healthy
            && driver.storageConnected()
            && driver.networkConnected();
    monitor.watch(work, healthy);
  }

  private boolean reportingUnlisted;

  /** The instances to report, or null when the hypervisor did not list them (logged). */
  private Map<InstanceRef, Instance> listedOrNull() {
    try {
      Map<InstanceRef, Instance> listed = keeper.toReport();
      if (reportingUnlisted) {
        reportingUnlisted = false;
        LOG.info("agent of {}: the hypervisor lists its instances again", me);
      }
      return listed;
    } catch (HypervisorUnavailable e) {
      if (!reportingUnlisted) {
        reportingUnlisted = true; // once per streak: a hung hypervisor would fill the log each tick
        LOG.warn(
            "agent of {}: reporting without a fresh list of instances: {}", me, e.getMessage());
      }
      return null;
    }
  }

  private void step(String what, ThrowingRunnable action) {
    try {
      action.run();
    } catch (ApiLink.ApiUnreachableException e) {
      LOG.debug("agent of {}: {}: API server unreachable", me, what);
    } catch (HypervisorUnavailable e) {
      // said once per streak by the report, which goes out all the same
      LOG.debug("agent of {}: {}: {}", me, what, e.getMessage());
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      LOG.debug("agent of {}: {} failed: {}", me, what, e.toString());
    } catch (Exception e) {
      LOG.warn("agent of {}: {} failed", me, what, e);
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
