package io.vmha.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vmha.core.Engine;
import io.vmha.core.Plan;
import io.vmha.core.health.HostHealth;
import io.vmha.core.model.HostPhase;
import io.vmha.power.PowerFence;
import io.vmha.power.PowerFenceSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place decisions are made: on any change (coalesced), and at the engine's next deadline,
 * it reads the caches into a snapshot, asks the engine for a plan, and writes it. One thread
 * decides, so two decisions never race for the same capacity or instance number; the writes of one
 * plan go out in parallel.
 */
public final class FleetLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetLoop.class);

  /** Events arriving within this window share one plan. */
  private static final Duration COALESCE = Duration.ofMillis(20);

  private static final Duration RETRY_AFTER_CONFLICT = Duration.ofMillis(100);

  /** Events waiting to be sent beyond this are dropped: a mass failure of 1,000 hosts fits. */
  private static final int EVENT_BACKLOG = 20_000;

  private final OperatorOptions options;
  private final Clock clock;

  /**
   * P7: a thousand placements are 1,000-2,000 writes, a few seconds of a loaded API server; the
   * first VMs run and show Running while the rest are placed, highest priority first.
   */
  static final int PLACEMENTS_PER_PLAN = 1000;

  private final Engine engine = new Engine(PLACEMENTS_PER_PLAN);
  private final FleetCaches caches = new FleetCaches();
  private final OwnWrites ownWrites = new OwnWrites();
  private final HeartbeatTracker heartbeats;
  private final FleetMetrics metrics;
  private final PlanApplier applier;
  private final EventQueue events;
  private final CatalogStatus catalog;
  private volatile Usage usage = Usage.NONE;
  private final ScheduledExecutorService loop;
  private final ExecutorService writers;
  private final PowerFencer powerFencer;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean writing = new AtomicBoolean();
  private volatile boolean active;
  private final SettingsPublisher settingsPublisher;
  private volatile Supplier<Collection<String>> unsyncedCaches = List::of;
  private volatile Instant waitingForCachesSince;
  private volatile SnapshotBuilder snapshots;
  private volatile ScheduledFuture<?> deadline;
  private volatile Plan lastPlan;
  private volatile Set<String> removableVms = Set.of();
  private volatile Set<String> removableHosts = Set.of();
  private final java.util.function.BooleanSupplier sureToLead;
  private volatile boolean wasSureToLead;

  public FleetLoop(
      KubernetesClient client, OperatorOptions options, Clock clock, MeterRegistry registry) {
    this(client, options, clock, registry, () -> true);
  }

  /**
   * @param sureToLead whether this replica may decide now (see {@link Leadership}): while not, the
   *     loop plans nothing and waits
   */
  FleetLoop(
      KubernetesClient client,
      OperatorOptions options,
      Clock clock,
      MeterRegistry registry,
      java.util.function.BooleanSupplier sureToLead) {
    this.sureToLead = sureToLead;
    this.options = options;
    this.clock = clock;
    this.heartbeats =
        new HeartbeatTracker(clock, options.settings().heartbeatInterval().multipliedBy(2));
    this.metrics = new FleetMetrics(registry);
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vmha-fleet-loop"));
    this.writers = Executors.newFixedThreadPool(16, r -> daemon(r, "vmha-writer"));
    this.catalog = new CatalogStatus(client, ownWrites);
    this.settingsPublisher =
        new SettingsPublisher(client, options.leaseNamespace(), options.settings());
    this.events =
        new EventQueue(
            new EventRecorder(client, clock, options.identity()),
            metrics,
            EVENT_BACKLOG,
            writing::get);
    metrics.eventBacklog(events::backlog);
    this.powerFencer =
        new PowerFencer(
            client,
            ownWrites,
            events,
            metrics,
            new RedfishBmcDirectory(
                client, options.leaseNamespace(), PowerFenceSettings.defaults().requestTimeout()),
            new PowerFence(PowerFenceSettings.defaults()),
            clock,
            this::holdsVms);
    this.applier =
        new PlanApplier(
            client,
            ownWrites,
            events,
            metrics,
            heartbeats,
            options.settings(),
            options.leaseNamespace(),
            writers,
            powerFencer);
  }

  /** Whether any VM is placed on, or migrating to, the host (a fenced host is powered on after). */
  private boolean holdsVms(String host) {
    var vms = caches.vms;
    return vms == null
        || vms.list()
            .anyMatch(
                vm ->
                    vm.getStatus() != null
                        && (host.equals(vm.getStatus().getHost())
                            || (vm.getStatus().getMigration() != null
                                && host.equals(vm.getStatus().getMigration().getTargetHost()))));
  }

  FleetCaches caches() {
    return caches;
  }

  /**
   * The first plan waits until {@code unsynced} (the informers that have not listed their resources
   * yet) is empty. The controllers start one by one, and a reconcile of the first one asks for a
   * plan: planning then would see VMs whose hosts are not listed yet, take those hosts for deleted
   * and start their VMs a second time.
   */
  void firstPlanWaitsFor(Supplier<Collection<String>> unsynced) {
    this.unsyncedCaches = unsynced;
  }

  /** Whether every cache is there and, before the first plan, synced (logs what it waits for). */
  private boolean cachesReady() {
    if (!caches.complete()) {
      return false;
    }
    if (snapshots != null) {
      return true;
    }
    Collection<String> unsynced;
    try {
      unsynced = unsyncedCaches.get();
    } catch (RuntimeException e) {
      log.debug("cannot tell whether the informers have synced yet", e);
      unsynced = List.of("unknown (" + e + ")");
    }
    if (unsynced.isEmpty()) {
      return true;
    }
    Instant now = clock.instant();
    if (waitingForCachesSince == null) {
      waitingForCachesSince = now;
    } else if (Duration.between(waitingForCachesSince, now).compareTo(Duration.ofSeconds(10))
        >= 0) {
      log.warn("the first plan waits for these informers to sync: {}", unsynced);
      waitingForCachesSince = now;
    }
    return false;
  }

  HeartbeatTracker heartbeats() {
    return heartbeats;
  }

  /**
   * Asks for a new plan; a burst of requests costs one planning pass. Reconcilers run only on the
   * leader, so the first request also makes this replica the one that decides.
   */
  public void requestPlan(String why) {
    active = true;
    settingsPublisher.publishOnce();
    schedule(COALESCE);
  }

  /** A host heartbeat was renewed: only a host judged lost can change state because of it. */
  void hostHeartbeat(String host) {
    Plan plan = lastPlan;
    HostHealth health = plan == null ? null : plan.host(host);
    if (active
        && (health == null
            || health.phase() == HostPhase.NotResponding
            || awaitingRenewal(health))) {
      schedule(COALESCE);
    }
  }

  /** The last plan placed nothing on the host because this operator had not yet seen it renew. */
  private static boolean awaitingRenewal(HostHealth health) {
    var schedulable = health.condition("Schedulable");
    return schedulable != null && "AwaitingRenewal".equals(schedulable.reason());
  }

  /** A guest or SPM Lease changed hands or appeared. */
  void leaseChanged() {
    if (active) {
      schedule(COALESCE);
    }
  }

  boolean vmRemovable(String namespace, String name) {
    return removableVms.contains(namespace + "/" + name);
  }

  boolean hostRemovable(String name) {
    return removableHosts.contains(name);
  }

  /** What still uses a template or repository, as of the last plan (L3). */
  Usage usage() {
    return usage;
  }

  public Plan lastPlan() {
    return lastPlan;
  }

  private void schedule(Duration delay) {
    if (scheduled.compareAndSet(false, true)) {
      try {
        loop.schedule(this::runOnce, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        scheduled.set(false); // shutting down
      }
    }
  }

  private void runOnce() {
    scheduled.set(false);
    if (!cachesReady() || !sureToLead()) {
      schedule(Duration.ofMillis(200));
      return;
    }
    try {
      Instant now = clock.instant();
      if (snapshots == null) {
        snapshots =
            new SnapshotBuilder(
                caches, ownWrites, heartbeats, options.settings(), options.leaseNamespace(), now);
        log.info(
            "deciding for the fleet from now on; every host gets a fresh grace period of {}",
            options.settings().hostGracePeriod());
      }
      SnapshotBuilder.Result built = snapshots.build(now);
      Plan plan = engine.plan(built.snapshot());
      Duration planned = Duration.between(now, clock.instant());
      PlanApplier.Outcome outcome;
      writing.set(true);
      try {
        outcome = applier.apply(plan, built, now);
      } finally {
        writing.set(false);
      }
      if (!plan.actions(io.vmha.core.Action.UnfreezeFailover.class).isEmpty()) {
        snapshots.failoverResumed(now);
        log.info("failover resumes; hosts still silent get until their self-fence is due");
      }
      var sources = built.sources();
      usage = Usage.of(sources.vms().values(), sources.templates(), sources.hosts().values());
      int catalogWrites = catalog.write(sources, usage, now);
      lastPlan = plan;
      removableVms = outcome.removableVms();
      removableHosts = outcome.removableHosts();
      metrics.planned(planned, outcome.writes() + catalogWrites);
      metrics.observe(built.snapshot(), plan);
      if (outcome.writes() > 0 && log.isDebugEnabled()) {
        log.debug(
            "plan: {} writes, planned in {} ms: {}",
            outcome.writes(),
            planned.toMillis(),
            plan.actions());
      }
      if (outcome.retryNow()) {
        schedule(RETRY_AFTER_CONFLICT);
      }
      Instant next = plan.nextDeadline().orElse(null);
      if (outcome.refreshAt() != null && (next == null || outcome.refreshAt().isBefore(next))) {
        next = outcome.refreshAt();
      }
      if (next != null) {
        wakeAt(next);
      }
    } catch (RuntimeException e) {
      if (loop.isShutdown()) {
        // close() cut the plan's writes short: nothing failed that a next plan would retry
        log.debug("planning stopped by the shutdown: {}", e.toString());
        return;
      }
      log.error("planning failed; trying again", e);
      schedule(Duration.ofSeconds(1));
    }
  }

  private boolean sureToLead() {
    boolean sure = sureToLead.getAsBoolean();
    if (sure != wasSureToLead) {
      wasSureToLead = sure;
      if (sure) {
        log.info("sure to lead: deciding");
      } else {
        log.warn("not sure to lead (no recent own renewal of the leader Lease seen): not deciding");
      }
    }
    return sure;
  }

  private void wakeAt(Instant when) {
    ScheduledFuture<?> previous = deadline;
    if (previous != null) {
      previous.cancel(false);
    }
    long delay = Math.max(0, Duration.between(clock.instant(), when).toMillis()) + 1;
    try {
      deadline = loop.schedule(() -> schedule(Duration.ZERO), delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down: a plan that ends after close() has nothing left to wake
    }
  }

  @Override
  public void close() {
    powerFencer.close();
    loop.shutdownNow();
    writers.shutdownNow();
    events.close(Duration.ofSeconds(2));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
