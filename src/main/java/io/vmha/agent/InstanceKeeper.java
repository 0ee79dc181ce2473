package io.vmha.agent;

import io.vmha.api.InstanceToStop;
import io.vmha.core.vm.GuestStorageGuard;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the work loop does to the hypervisor (steps 2-4 and 6 of docs/agent-protocol.md): runs the
 * VMs placed on this host, stops those stopping or listed, starts live migrations on a pool of
 * their own (a slow one holds no tick), pauses instances while storage is lost. It starts nothing
 * while the host is fenced, and stops what a start that raced with a fence brought up.
 */
final class InstanceKeeper {
  /** Reason of an instance paused because its host lost storage (S1). */
  static final String STORAGE_LOST = HostAgent.STORAGE_LOST;

  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final String me;
  private final HypervisorDriver driver;
  private final Clock clock;
  private final Executor migrations;
  private final Executor stateChanges;
  private final SelfFencing fencing;
  private final Runnable wake;

  /** Migrations in flight: instance → target host. */
  private final Map<InstanceRef, String> migrating = new ConcurrentHashMap<>();

  /**
   * Migrations that succeeded, instance → target host, until a listing no longer shows the instance
   * here: a report built on an older listing still shows it, and must say where it went.
   */
  private final Map<InstanceRef, String> handedOver = new ConcurrentHashMap<>();

  /** In-flight migrations the operator called off, whose cancellation was asked of the driver. */
  private final Set<InstanceRef> callingOff = ConcurrentHashMap.newKeySet();

  /** Starts that failed, and instances killed by their storage-error policy: reported Failed. */
  private final Map<InstanceRef, Instance> failedStarts = new ConcurrentHashMap<>();

  /** Instances paused by a storage loss: since when this agent has seen them so. */
  private final Map<InstanceRef, java.time.Instant> pausedByStorageSince = new HashMap<>();

  /**
   * How long a VM of storage-error policy Kill stays paused by a storage loss before it is stopped.
   */
  private final java.time.Duration killAfter;

  private final Map<InstanceRef, MigrationFailures> failedMigrations = new ConcurrentHashMap<>();

  /**
   * @param stateChanges runs the pauses and resumptions of one tick side by side
   * @param wake asks the work loop for a tick (a migration ended)
   * @param killAfter how long a VM whose storage-error policy is Kill may stay paused by a storage
   *     loss (the host grace period: time for the operator to move it live first)
   */
  InstanceKeeper(
      String me,
      HypervisorDriver driver,
      Clock clock,
      Executor migrations,
      Executor stateChanges,
      SelfFencing fencing,
      Runnable wake,
      java.time.Duration killAfter) {
    this.killAfter = killAfter;
    this.stateChanges = stateChanges;
    this.me = me;
    this.driver = driver;
    this.clock = clock;
    this.migrations = migrations;
    this.fencing = fencing;
    this.wake = wake;
  }

  /** Forgets failed starts: after a fence, or the "restart" a fencing request asks for (S4). */
  void forget() {
    failedStarts.clear();
  }

  /** Every instance to report: the hypervisor's, and starts that failed (as {@code Failed}). */
  Map<InstanceRef, Instance> toReport() {
    Map<InstanceRef, Instance> all = new LinkedHashMap<>(failedStarts);
    all.putAll(instancesByRef());
    return all;
  }

  void runPlaced(AgentWork work) {
    Map<InstanceRef, Instance> instances = instancesByRef();
    Set<InstanceRef> wanted = new HashSet<>();
    for (PlacedVm vm : work.placed()) {
      if (vm.instanceName() == null) {
        continue;
      }
      InstanceRef name = vm.instance();
      Instance instance = instances.get(name);
      if (PlacedVm.STOPPING.equals(vm.phase())) {
        if (instance != null) {
          stopInstance(name, "the VM is stopping");
        }
        failedStarts.remove(name);
        continue;
      }
      if (!vm.shouldRunOn(me)) {
        continue;
      }
      wanted.add(name);
      if (instance != null || failedStarts.containsKey(name) || migrating.containsKey(name)) {
        continue;
      }
      if (!vm.startRequested()) {
        // F7: recorded Running or Paused, yet gone: it went down with this host (or died). The
        // operator restarts it, in priority order and tiers, and counts it; a restart here would
        // bypass both, and its status would never show it
        continue;
      }
      start(vm);
    }
    // a failed start is reported until the VM is no longer placed here with that instance
    failedStarts.keySet().retainAll(wanted);
  }

  private void start(PlacedVm vm) {
    InstanceRef name = vm.instance();
    try {
      if (vm.problem() != null) {
        throw new DriverException(vm.problem());
      }
      if (fencing.isFenced()) {
        return;
      }
      if (vm.templateImage()) {
        driver.startFromTemplate(name, vm.resources(), vm.image());
      } else {
        driver.start(name, vm.resources(), vm.image());
      }
      if (fencing.isFenced()) {
        // the guard fenced while this start ran: its check stops it too; do not wait for that
        driver.stop(name);
        return;
      }
      LOG.info("agent of {} started {}", me, name);
    } catch (DriverException e) {
      LOG.warn("agent of {} could not start {}: {}", me, name, e.getMessage());
      failedStarts.put(
          name,
          new Instance(
              name.name(),
              vm.key(),
              Instance.State.Failed,
              e.getMessage(),
              vm.resources(),
              clock.instant()));
    }
  }

  void migrate(AgentWork work) {
    Map<InstanceRef, Instance> instances = instancesByRef();
    long now = System.nanoTime();
    // failures count for one migration only: once the operator aborts it, a later one starts anew
    Map<InstanceRef, String> leaving = new HashMap<>();
    for (PlacedVm vm : work.placed()) {
      if (vm.instanceName() != null && vm.migratingAwayFrom(me)) {
        leaving.put(vm.instance(), vm.migrationTarget());
      }
    }
    failedMigrations.keySet().retainAll(leaving.keySet());
    Map<InstanceRef, String> calledOff = new HashMap<>();
    for (PlacedVm vm : work.placed()) {
      // still placed here without this migration: the operator aborted it. A VM no longer in the
      // work at all may have just completed its migration: nothing to call off then
      String inFlightTo = vm.instanceName() == null ? null : migrating.get(vm.instance());
      if (inFlightTo != null
          && me.equals(vm.host())
          && !inFlightTo.equals(leaving.get(vm.instance()))) {
        calledOff.put(vm.instance(), inFlightTo);
      }
    }
    callOff(calledOff);
    for (PlacedVm vm : work.placed()) {
      InstanceRef name = vm.instanceName() == null ? null : vm.instance();
      if (name == null || !vm.migratingAwayFrom(me) || !instances.containsKey(name)) {
        continue;
      }
      String target = vm.migrationTarget();
      MigrationFailures failures = failedMigrations.get(name);
      if (failures != null && failures.target().equals(target) && now - failures.retryAt() < 0) {
        continue; // backing off: a migration that fails at once must not become a tight loop
      }
      if (migrating.putIfAbsent(name, target) != null) {
        continue;
      }
      if (failures == null) {
        LOG.info("agent of {} live-migrates {} to {}", me, name, target);
      }
      migrations.execute(
          () -> {
            try {
              driver.migrate(name, target);
              handedOver.put(name, target); // before it leaves migrating: never neither
              failedMigrations.remove(name);
            } catch (DriverException | RuntimeException e) {
              MigrationFailures next =
                  MigrationFailures.after(failedMigrations.get(name), target, e.getMessage());
              failedMigrations.put(name, next);
              if (next.count() == 1 || Integer.bitCount(next.count()) == 1) {
                // the 1st, 2nd, 4th, 8th... failure: a few lines, not millions
                LOG.warn(
                    "agent of {}: migration of {} to {} failed ({} time(s); next try in {} ms): {}",
                    me,
                    name,
                    target,
                    next.count(),
                    next.delayMillis(),
                    e.getMessage());
              }
            } finally {
              migrating.remove(name);
              callingOff.remove(name);
              wake.run();
            }
          });
    }
  }

  /**
   * A migration the operator called off (its target was lost, the VM was stopped) must not finish
   * on its own later: the copy it would leave on the target is one nobody tracks, and the instance
   * here would be gone. The driver cancels it; the migration then fails and the instance stays.
   */
  private void callOff(Map<InstanceRef, String> calledOff) {
    for (var entry : calledOff.entrySet()) {
      InstanceRef instance = entry.getKey();
      String target = entry.getValue();
      if (!callingOff.add(instance)) {
        continue;
      }
      LOG.warn(
          "agent of {}: the migration of {} to {} was called off: cancelling it",
          me,
          instance,
          target);
      try {
        driver.abortMigration(instance);
      } catch (DriverException | RuntimeException e) {
        callingOff.remove(instance); // asked again next pass
        LOG.warn(
            "agent of {}: could not cancel the migration of {}: {}", me, instance, e.getMessage());
      }
    }
  }

  /**
   * Failed attempts to migrate one instance to one target, and when to try again: one second,
   * doubling to at most a minute.
   */
  private record MigrationFailures(
      String target, int count, long retryAt, long delayMillis, String message) {
    static MigrationFailures after(MigrationFailures previous, String target, String message) {
      int count = previous == null || !previous.target().equals(target) ? 1 : previous.count() + 1;
      long delay = Math.min(60_000L, 1_000L << Math.min(6, count - 1));
      return new MigrationFailures(
          target, count, System.nanoTime() + delay * 1_000_000L, delay, message);
    }
  }

  /**
   * Migrations that failed in a row, per instance, for the report: the operator gives up on one
   * after a few, and says why.
   */
  Map<InstanceRef, io.vmha.api.MigrationFailureReport> migrationFailures() {
    Map<InstanceRef, io.vmha.api.MigrationFailureReport> reports = new java.util.HashMap<>();
    failedMigrations.forEach(
        (ref, failures) -> {
          var report = new io.vmha.api.MigrationFailureReport();
          report.setTarget(failures.target());
          report.setAttempts(failures.count());
          report.setMessage(failures.message());
          reports.put(ref, report);
        });
    return reports;
  }

  /**
   * Every instance whose live migration away from here has begun and that the hypervisor may still
   * list here, by target host: those in flight, and those done that {@code listed} still shows.
   *
   * @param listed the hypervisor's instances just listed, or null if it did not answer
   */
  Map<InstanceRef, String> migratingAway(Map<InstanceRef, Instance> listed) {
    if (listed != null) {
      handedOver.keySet().retainAll(listed.keySet());
    }
    Map<InstanceRef, String> away = new HashMap<>(handedOver);
    away.putAll(migrating);
    return away;
  }

  /** The migrations away from this host in flight: instance to target host. */
  Map<InstanceRef, String> migratingNow() {
    return Map.copyOf(migrating);
  }

  void stopListed(AgentWork work) {
    List<InstanceToStop> toStop = work.status().getInstancesToStop();
    if (toStop == null || toStop.isEmpty()) {
      return;
    }
    Map<InstanceRef, Instance> instances = instancesByRef();
    for (InstanceToStop item : toStop) {
      if (item.getName() == null || item.getVm() == null || item.getVm().isBlank()) {
        continue; // an instance without a VM is not vmha's: never stopped, whoever lists it
      }
      InstanceRef listed = new InstanceRef(item.getVm(), item.getName());
      failedStarts.remove(listed);
      if (instances.containsKey(listed) && !migrating.containsKey(listed)) {
        stopInstance(listed, "the operator listed it (" + item.getReason() + ")");
      }
    }
  }

  private void stopInstance(InstanceRef name, String why) {
    try {
      driver.stop(name);
      LOG.info("agent of {} stopped {}: {}", me, name, why);
    } catch (DriverException e) {
      LOG.warn("agent of {} could not stop {}: {}", me, name, e.getMessage());
    }
  }

  /**
   * Pauses the running instances while storage is lost, and resumes those it paused once storage is
   * back and they are still placed here, as their storage-error policy says: AutoResume resumes,
   * LeavePaused leaves them to an admin, Kill stops one that stayed paused {@link #killAfter} while
   * the storage is still lost (reported Failed, so the operator restarts it elsewhere). The pauses
   * run side by side and the loop waits for them {@link #STATE_CHANGES_WAIT} at most: on slow
   * storage one pause takes seconds (QEMU flushes the disks first), and the report of the lost
   * storage must not wait for a host's worth of them.
   */
  void guardStorage(AgentWork work) {
    boolean storage = driver.storageConnected();
    Map<InstanceRef, PlacedVm> mine = new HashMap<>();
    work.placed().stream()
        .filter(vm -> vm.shouldRunOn(me) && vm.instanceName() != null)
        .forEach(vm -> mine.put(vm.instance(), vm));
    work.incoming().stream()
        .filter(vm -> vm.instanceName() != null)
        .forEach(vm -> mine.put(vm.instance(), vm));
    List<java.util.concurrent.CompletableFuture<Void>> changes = new java.util.ArrayList<>();
    Set<InstanceRef> pausedByStorage = new HashSet<>();
    for (Instance instance : driver.instances()) {
      boolean pausedForStorage =
          instance.state() == Instance.State.Paused && STORAGE_LOST.equals(instance.reason());
      if (pausedForStorage) {
        pausedByStorage.add(instance.ref());
        pausedByStorageSince.putIfAbsent(instance.ref(), clock.instant());
      }
      if (migrating.containsKey(instance.ref())) {
        continue;
      }
      PlacedVm vm = mine.get(instance.ref());
      GuestStorageGuard.Step step =
          GuestStorageGuard.decide(
              storage,
              instance.report().state(),
              pausedForStorage,
              vm == null ? null : vm.storageErrorPolicy(),
              vm != null && vm.migratingAwayFrom(me),
              pausedForStorage
                  ? java.time.Duration.between(
                      pausedByStorageSince.get(instance.ref()), clock.instant())
                  : java.time.Duration.ZERO,
              killAfter);
      switch (step) {
        case PAUSE -> {
          // paused from now on, as far as Kill's grace period goes
          pausedByStorage.add(instance.ref());
          pausedByStorageSince.put(instance.ref(), clock.instant());
          changes.add(
              change(
                  instance,
                  () -> driver.pause(instance.ref(), STORAGE_LOST),
                  "pauses",
                  "storage lost"));
        }
        case RESUME ->
            changes.add(
                change(
                    instance, () -> driver.resume(instance.ref()), "resumes", "storage is back"));
        case STOP -> {
          if (!fencing.isFenced()) {
            changes.add(kill(instance, vm));
          }
        }
        case NONE -> {
          // nothing to change
        }
      }
    }
    pausedByStorageSince.keySet().retainAll(pausedByStorage);
    if (changes.isEmpty()) {
      return;
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(
              changes.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(STATE_CHANGES_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // still under way: the instances' states tell on a later tick
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops an instance its storage-error policy gives up on, and reports it Failed with why: the
   * operator then restarts the VM as its high availability says, on a host that has the storage.
   */
  private java.util.concurrent.CompletableFuture<Void> kill(Instance instance, PlacedVm vm) {
    String why =
        "paused by the storage loss for "
            + killAfter.toMillis() / 1000.0
            + " s; stopped as its storageErrorPolicy Kill asks";
    return change(
        instance,
        () -> {
          driver.stop(instance.ref());
          failedStarts.put(
              instance.ref(),
              new Instance(
                  instance.name(),
                  vm.key(),
                  Instance.State.Failed,
                  why,
                  vm.resources(),
                  clock.instant()));
        },
        "stops",
        why);
  }

  /** How long one tick waits for the pauses (or resumptions) it started. */
  static final java.time.Duration STATE_CHANGES_WAIT = java.time.Duration.ofSeconds(2);

  /**
   * @param does what the agent has asked for ("pauses"): the driver may still be carrying it out
   *     when it returns (libvirt's pause waits for the disks to flush), and says so
   */
  private java.util.concurrent.CompletableFuture<Void> change(
      Instance instance, DriverAction action, String does, String why) {
    return java.util.concurrent.CompletableFuture.runAsync(
        () -> {
          try {
            action.run();
            LOG.info("agent of {} {} {}: {}", me, does, instance.name(), why);
          } catch (DriverException e) {
            LOG.warn("agent of {}: {} {}", me, instance.name(), e.getMessage());
          }
        },
        stateChanges);
  }

  @FunctionalInterface
  private interface DriverAction {
    void run() throws DriverException;
  }

  Map<InstanceRef, Instance> instancesByRef() {
    Map<InstanceRef, Instance> byRef = new LinkedHashMap<>();
    for (Instance instance : driver.instances()) {
      byRef.put(instance.ref(), instance);
    }
    return byRef;
  }
}
