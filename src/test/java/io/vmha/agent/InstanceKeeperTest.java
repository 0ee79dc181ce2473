package io.vmha.agent;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.sim.SimulatedDriver;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.StorageErrorPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The work loop's hands on the hypervisor, alone: it runs what is placed on its host and nothing
 * else, stops what is stopping, starts nothing while the host is fenced, and reports a failed start
 * for as long as the VM stays placed here.
 */
class InstanceKeeperTest {
  static final String ME = "ik-a";

  final ManualTicker ticker = new ManualTicker();
  final SelfFencing fencing =
      new SelfFencing(
          FencingPolicy.SelfFence,
          Duration.ofSeconds(10),
          Duration.ofSeconds(15),
          Duration.ofMillis(500),
          Duration.ofSeconds(4),
          ticker,
          ticker.nanos());
  final SimulatedDriver driver = FencingUnderNetworkFaultsTest.standaloneDriver(ME);
  final InstanceKeeper keeper =
      new InstanceKeeper(
          ME,
          driver,
          Clock.systemUTC(),
          Runnable::run,
          Runnable::run,
          fencing,
          () -> {},
          KILL_AFTER);

  static final Duration KILL_AFTER = Duration.ofSeconds(15);

  static PlacedVm placed(String name, String phase, String host) {
    return placed(name, phase, host, StorageErrorPolicy.AutoResume);
  }

  static PlacedVm placed(String name, String phase, String host, StorageErrorPolicy policy) {
    return new PlacedVm(
        AgentFixture.VM_NS + "/" + name,
        name,
        phase,
        host,
        null,
        new Resources(1, 512),
        new ImageRef(AgentFixture.SHARED_REPO, "images/" + name + ".qcow2"),
        null,
        false,
        policy,
        null,
        List.of());
  }

  static AgentWork work(PlacedVm... vms) {
    return new AgentWork(null, List.of(vms), List.of());
  }

  /** The same placements as the operator first writes them, Starting: the agent starts those. */
  static AgentWork starting(AgentWork work) {
    return new AgentWork(
        null,
        work.placed().stream()
            .map(
                vm ->
                    placed(
                        vm.instanceName(), PlacedVm.STARTING, vm.host(), vm.storageErrorPolicy()))
            .toList(),
        List.of());
  }

  List<String> running() {
    return driver.instances().stream().map(Instance::name).sorted().toList();
  }

  @Test
  void runsWhatIsPlacedHereAndStopsWhatIsStopping() {
    keeper.runPlaced(
        work(placed("vm-1", PlacedVm.STARTING, ME), placed("vm-3", PlacedVm.STARTING, "ik-b")));
    assertThat(running()).containsExactly("vm-1");

    keeper.runPlaced(work(placed("vm-1", PlacedVm.STOPPING, ME)));
    assertThat(running()).isEmpty();
  }

  /**
   * F7: a VM recorded Running or Paused here whose instance is gone (the host rebooted, or the
   * agent fenced itself) is left to the operator, which restarts it in priority order and tiers and
   * says so on the VM.
   */
  @Test
  void aGuestRecordedRunningButGoneIsNotStartedAgainHere() {
    keeper.runPlaced(
        work(placed("vm-1", PlacedVm.RUNNING, ME), placed("vm-2", PlacedVm.PAUSED, ME)));
    assertThat(running()).isEmpty();
    assertThat(keeper.toReport()).isEmpty();

    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, ME)));
    assertThat(running()).containsExactly("vm-1");
  }

  @Test
  void startsNothingWhileTheHostIsFenced() {
    fencing.fenced();
    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, ME)));
    assertThat(running()).isEmpty();
  }

  @Test
  void aFailedStartIsReportedUntilTheVmIsNoLongerPlacedHere() {
    driver.setFailStarts(true);
    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, ME)));
    assertThat(keeper.toReport().values())
        .singleElement()
        .satisfies(
            failed -> {
              assertThat(failed.state()).isEqualTo(Instance.State.Failed);
              assertThat(failed.reason()).isNotBlank();
            });
    // not retried on every tick: the operator decides what comes next
    driver.setFailStarts(false);
    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, ME)));
    assertThat(running()).isEmpty();

    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, "ik-b")));
    assertThat(keeper.toReport()).isEmpty();
  }

  /**
   * Guests paused by a storage loss: AutoResume resumes when the storage is back, LeavePaused stays
   * paused until its policy is changed to AutoResume, and Kill is stopped once paused for the host
   * grace period while the storage is still lost, reported Failed with why (so the operator
   * restarts it elsewhere), and not started here again.
   */
  @Test
  void theStorageErrorPolicyDecidesWhatBecomesOfAPausedGuest() {
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-03T12:00:00Z"));
    InstanceKeeper guard =
        new InstanceKeeper(
            ME, driver, clock, Runnable::run, Runnable::run, fencing, () -> {}, KILL_AFTER);
    AgentWork work =
        work(
            placed("auto", PlacedVm.RUNNING, ME, StorageErrorPolicy.AutoResume),
            placed("left", PlacedVm.RUNNING, ME, StorageErrorPolicy.LeavePaused),
            placed("killed", PlacedVm.RUNNING, ME, StorageErrorPolicy.Kill));
    guard.runPlaced(starting(work));
    driver.setStorageConnected(false);
    guard.guardStorage(work);
    assertThat(states()).containsOnly(Instance.State.Paused).hasSize(3);

    clock.advance(KILL_AFTER.minusSeconds(1));
    guard.guardStorage(work);
    assertThat(running()).as("not before the grace period").contains("killed");

    clock.advance(Duration.ofSeconds(1));
    guard.guardStorage(work);
    assertThat(running()).containsExactly("auto", "left");
    Instance reported =
        guard.toReport().get(new InstanceRef(AgentFixture.VM_NS + "/killed", "killed"));
    assertThat(reported.state()).isEqualTo(Instance.State.Failed);
    assertThat(reported.reason()).contains("storageErrorPolicy Kill");

    driver.setStorageConnected(true);
    guard.guardStorage(work);
    guard.runPlaced(work);
    assertThat(stateOf("auto")).isEqualTo(Instance.State.Running);
    assertThat(stateOf("left")).isEqualTo(Instance.State.Paused);
    assertThat(running()).as("the killed one is not started here again").doesNotContain("killed");

    AgentWork decided = work(placed("left", PlacedVm.PAUSED, ME, StorageErrorPolicy.AutoResume));
    guard.guardStorage(decided);
    assertThat(stateOf("left")).as("an admin set AutoResume").isEqualTo(Instance.State.Running);
  }

  /** A Kill VM that the operator is moving live is not stopped under the migration. */
  @Test
  void aGuestBeingMigratedAwayIsNotKilled() {
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-03T12:00:00Z"));
    InstanceKeeper guard =
        new InstanceKeeper(
            ME, driver, clock, Runnable::run, Runnable::run, fencing, () -> {}, KILL_AFTER);
    guard.runPlaced(
        starting(work(placed("killed", PlacedVm.RUNNING, ME, StorageErrorPolicy.Kill))));
    driver.setStorageConnected(false);
    PlacedVm leaving = migrating("killed", "ik-b", StorageErrorPolicy.Kill);
    guard.guardStorage(work(leaving));
    clock.advance(KILL_AFTER.plusSeconds(5));
    guard.guardStorage(work(leaving));
    assertThat(running()).containsExactly("killed");
  }

  List<Instance.State> states() {
    return driver.instances().stream().map(Instance::state).toList();
  }

  Instance.State stateOf(String name) {
    return driver.instances().stream()
        .filter(i -> i.name().equals(name))
        .findFirst()
        .orElseThrow()
        .state();
  }

  /** Migrations that run until they are cancelled, as a slow real one does. */
  /**
   * Storage that answers late makes each pause take seconds (QEMU flushes the disks first): the
   * pauses of one tick run side by side, and the tick goes on to report the lost storage after a
   * bounded wait instead of after every pause.
   */
  @Test
  void pausesOnLostStorageRunSideBySideAndHoldTheTickABoundedTime() throws Exception {
    java.util.concurrent.CountDownLatch flushed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger pausing =
        new java.util.concurrent.atomic.AtomicInteger();
    FenceTest.DelegatingDriver slowStorage =
        new FenceTest.DelegatingDriver(driver) {
          @Override
          public void pause(InstanceRef instance, String reason) throws DriverException {
            pausing.incrementAndGet();
            try {
              flushed.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.pause(instance, reason);
          }
        };
    var pool = java.util.concurrent.Executors.newCachedThreadPool();
    var loop = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      InstanceKeeper guard =
          new InstanceKeeper(
              ME, slowStorage, Clock.systemUTC(), pool, pool, fencing, () -> {}, KILL_AFTER);
      AgentWork work =
          work(
              placed("vm-1", PlacedVm.RUNNING, ME),
              placed("vm-2", PlacedVm.RUNNING, ME),
              placed("vm-3", PlacedVm.RUNNING, ME));
      guard.runPlaced(starting(work));
      driver.setStorageConnected(false);

      long started = System.nanoTime();
      var tick = loop.submit(() -> guard.guardStorage(work));
      tick.get(InstanceKeeper.STATE_CHANGES_WAIT.plusSeconds(2).toMillis(), MILLISECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(InstanceKeeper.STATE_CHANGES_WAIT);
      assertThat(pausing).as("every pause under way at once").hasValue(3);

      flushed.countDown();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> driver.instances().stream().allMatch(i -> i.state() == Instance.State.Paused));
    } finally {
      flushed.countDown();
      pool.shutdownNow();
      loop.shutdownNow();
    }
  }

  static final class CancellableMigrations extends FenceTest.DelegatingDriver {
    final java.util.concurrent.CountDownLatch cancelled =
        new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicInteger cancels =
        new java.util.concurrent.atomic.AtomicInteger();

    CancellableMigrations(SimulatedDriver inner) {
      super(inner);
    }

    @Override
    public void migrate(InstanceRef instance, String targetHost) throws DriverException {
      try {
        cancelled.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new DriverException("migration of " + instance + " cancelled");
    }

    @Override
    public void abortMigration(InstanceRef instance) {
      cancels.incrementAndGet();
      cancelled.countDown();
    }
  }

  /** A keeper that migrates on {@code pool}, running vm-1. */
  InstanceKeeper migratingOnPool(HypervisorDriver hypervisor, java.util.concurrent.Executor pool) {
    InstanceKeeper keeper =
        new InstanceKeeper(
            ME, hypervisor, Clock.systemUTC(), pool, Runnable::run, fencing, () -> {}, KILL_AFTER);
    keeper.runPlaced(work(placed("vm-1", PlacedVm.STARTING, ME)));
    return keeper;
  }

  static PlacedVm migrating(String name, String target) {
    return migrating(name, target, StorageErrorPolicy.AutoResume);
  }

  static PlacedVm migrating(String name, String target, StorageErrorPolicy policy) {
    PlacedVm vm = placed(name, "Migrating", ME, policy);
    return new PlacedVm(
        vm.key(),
        vm.instanceName(),
        vm.phase(),
        vm.host(),
        target,
        vm.resources(),
        vm.image(),
        vm.problem(),
        vm.templateImage(),
        vm.storageErrorPolicy(),
        vm.monitoring(),
        vm.recordedResets());
  }

  /**
   * The operator aborted a migration still in flight (the VM is back to Running here, without a
   * target): the agent cancels it in the hypervisor, once, and the instance stays; a VM that left
   * the work (its migration completed) is not cancelled.
   */
  @Test
  void aMigrationTheOperatorCalledOffIsCancelledInTheHypervisor() throws Exception {
    CancellableMigrations slow = new CancellableMigrations(driver);
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      InstanceKeeper migrator = migratingOnPool(slow, pool);
      migrator.migrate(work(migrating("vm-1", "ik-b")));
      migrator.migrate(work());
      assertThat(slow.cancels).as("a VM gone from the work is not called off").hasValue(0);

      migrator.migrate(work(placed("vm-1", PlacedVm.RUNNING, ME)));
      migrator.migrate(work(placed("vm-1", PlacedVm.RUNNING, ME)));
      assertThat(slow.cancels).as("cancelled once").hasValue(1);
      pool.shutdown();
      assertThat(pool.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(running()).containsExactly("vm-1");
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The hypervisor finished the migration but still lists the instance here (libvirt confirms a
   * migration on the source after the target runs it; a listing reported again may predate the
   * end). Until a listing no longer shows it, the report says where it is going: the operator must
   * neither call the migration off nor take the copy on the target for a stale one.
   */
  @Test
  void anInstanceBeingSentAwayIsReportedSoUntilTheHypervisorNoLongerListsIt() throws Exception {
    HeldMigrations held = new HeldMigrations(driver);
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      InstanceKeeper sender = migratingOnPool(held, pool);
      InstanceRef vm1 = new InstanceRef(AgentFixture.VM_NS + "/vm-1", "vm-1");
      assertThat(sender.migratingAway(sender.toReport())).as("nothing sent yet").isEmpty();

      sender.migrate(work(migrating("vm-1", "ik-b")));
      assertThat(sender.migratingAway(sender.toReport())).containsExactly(Map.entry(vm1, "ik-b"));

      held.land.countDown();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sender.migratingNow().isEmpty());
      assertThat(sender.migratingAway(null))
          .as("a listing reported again still shows it: landed, or landing")
          .containsExactly(Map.entry(vm1, "ik-b"));
      assertThat(sender.migratingAway(sender.toReport()))
          .as("still listed here")
          .containsExactly(Map.entry(vm1, "ik-b"));

      driver.stop(vm1);
      assertThat(sender.migratingAway(sender.toReport())).as("gone from here").isEmpty();
      assertThat(sender.migratingAway(null)).isEmpty();
    } finally {
      held.land.countDown();
      pool.shutdownNow();
    }
  }

  /** A migration that succeeds when told to, leaving the instance listed here meanwhile. */
  static final class HeldMigrations extends FenceTest.DelegatingDriver {
    final java.util.concurrent.CountDownLatch land = new java.util.concurrent.CountDownLatch(1);

    HeldMigrations(SimulatedDriver inner) {
      super(inner);
    }

    @Override
    public void migrate(InstanceRef instance, String targetHost) {
      try {
        land.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
