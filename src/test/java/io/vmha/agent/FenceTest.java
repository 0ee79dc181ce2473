package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.sim.SimulatedDriver;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** R3 and R4: a fence stops everything vmha runs, in parallel, checks, and starves the watchdog. */
class FenceTest {
  final ExecutorService stoppers = Executors.newCachedThreadPool();
  final ManualTicker ticker = new ManualTicker();

  @AfterEach
  void stop() {
    stoppers.shutdownNow();
  }

  @Test
  void fiftyInstancesAreStoppedInParallelAndNoneIsLeft() throws Exception {
    SlowStops driver = new SlowStops(instances(50), Duration.ofMillis(100), null);
    Fence.Result result = new Fence("h", driver, stoppers, Duration.ofSeconds(10)).stopAll();
    System.out.printf(
        "fence of 50 instances (100 ms per stop): %d ms, %d stops at once at most%n",
        result.took().toMillis(), driver.mostAtOnce());
    assertThat(result.clean()).isTrue();
    assertThat(result.stopped()).isEqualTo(50);
    assertThat(driver.instances()).isEmpty();
    assertThat(driver.mostAtOnce()).isGreaterThan(10);
  }

  @Test
  void instancesVmhaDidNotStartAreLeftAlone() throws Exception {
    SimulatedDriver inner = instances(2);
    inner.start(
        new InstanceRef(null, "someone-elses"),
        new Resources(1, 256),
        new ImageRef(AgentFixture.SHARED_REPO, "x.qcow2"));
    // "" names no VM, as null does: one meaning for "no VM" everywhere
    inner.start(
        new InstanceRef("", "blank-key"),
        new Resources(1, 256),
        new ImageRef(AgentFixture.SHARED_REPO, "y.qcow2"));
    Fence.Result result = new Fence("h", inner, stoppers, Duration.ofSeconds(1)).stopAll();
    assertThat(result.clean()).isTrue();
    assertThat(inner.instances())
        .extracting(Instance::name)
        .containsExactlyInAnyOrder("someone-elses", "blank-key");
  }

  @Test
  void aFenceThatCannotStopAnInstanceSaysWhichAndGivesUpWithinItsBudget() throws Exception {
    SlowStops driver = new SlowStops(instances(3), Duration.ZERO, "vm-1");
    Fence.Result result = new Fence("h", driver, stoppers, Duration.ofMillis(300)).stopAll();
    assertThat(result.clean()).isFalse();
    assertThat(result.survivors()).extracting(InstanceRef::name).containsExactly("vm-1");
    assertThat(result.took()).isLessThan(Duration.ofSeconds(5));
  }

  /**
   * The watchdog is fed while the renewal is fresh and once as the fence starts, stops being fed
   * when the fence leaves an instance behind (the watchdog resets the host), and is fed again once
   * the fence is complete.
   */
  @Test
  void theGuardStarvesTheWatchdogWhileAFenceIsIncomplete() throws Exception {
    SlowStops driver = new SlowStops(instances(2), Duration.ZERO, "vm-0");
    CountingWatchdog watchdog = new CountingWatchdog();
    SelfFencing fencing = fencing();
    FencingGuard guard =
        guard(fencing, driver, watchdog, new PeerClient.Verdict(1, 1, 0, 1, "peer"));
    guard.check();
    guard.check();
    assertThat(watchdog.feeds.get()).isEqualTo(2);

    ticker.advance(Duration.ofSeconds(10));
    guard.check(); // due: fences, vm-0 survives
    assertThat(fencing.isFenced()).isTrue();
    assertThat(guard.lastFence().survivors()).extracting(InstanceRef::name).containsExactly("vm-0");
    assertThat(watchdog.feeds.get()).as("fed as the fence started").isEqualTo(3);
    guard.check();
    assertThat(watchdog.feeds.get()).isEqualTo(3);

    driver.failing = null; // the stuck instance can be stopped now
    guard.check();
    assertThat(guard.lastFence().clean()).isTrue();
    assertThat(watchdog.feeds.get()).isEqualTo(4);
  }

  /**
   * A fence that starts late, after a peer question that waited out its timeout (peers
   * unreachable), has the watchdog fed as it starts, so it has the watchdog's whole timeout to stop
   * the instances; it is not fed where that timeout would end after the grace period.
   */
  @Test
  void aFenceIsFedAsItStartsOnlyWhileTheWatchdogStillEndsWithinTheGracePeriod() throws Exception {
    CountingWatchdog watchdog = new CountingWatchdog();
    SelfFencing fencing = fencing();
    SlowStops stuck = new SlowStops(instances(1), Duration.ZERO, "vm-0");
    FencingGuard guard = guard(fencing, stuck, watchdog, new PeerClient.Verdict(2, 2, 0, 1, null));
    ticker.advance(Duration.ofMillis(11_750)); // selfFenceAfter + peer timeout + one guard look
    guard.check();
    assertThat(fencing.isFenced()).isTrue();
    assertThat(watchdog.feeds.get()).isEqualTo(1);

    CountingWatchdog late = new CountingWatchdog();
    SelfFencing lateFencing = fencing();
    FencingGuard lateGuard =
        guard(
            lateFencing,
            new SlowStops(instances(1), Duration.ZERO, "vm-0"),
            late,
            new PeerClient.Verdict(2, 2, 0, 1, null));
    ticker.advance(Duration.ofMillis(12_500)); // a reset 3 s on would come after the 15 s grace
    lateGuard.check();
    assertThat(lateFencing.isFenced()).isTrue();
    assertThat(late.feeds.get()).isZero();
  }

  /** An overdue agent whose peers confirm an outage keeps its instances and its watchdog fed. */
  @Test
  void aConfirmedOutageKeepsTheWatchdogFed() throws Exception {
    SlowStops driver = new SlowStops(instances(1), Duration.ZERO, null);
    CountingWatchdog watchdog = new CountingWatchdog();
    SelfFencing fencing = fencing();
    FencingGuard guard = guard(fencing, driver, watchdog, new PeerClient.Verdict(2, 2, 2, 1, null));
    ticker.advance(Duration.ofSeconds(30));
    guard.check();
    assertThat(fencing.lastDecision()).isEqualTo(SelfFencing.Decision.ApiOutage);
    assertThat(watchdog.feeds.get()).isEqualTo(1);
    assertThat(driver.instances()).hasSize(1);
  }

  /** Self-fence after 10 s, grace 15 s, heartbeat 2 s; last renewal now. */
  SelfFencing fencing() {
    return new SelfFencing(
        FencingPolicy.SelfFence,
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Duration.ofSeconds(2),
        Duration.ZERO,
        ticker,
        ticker.nanos());
  }

  /** A guard the test drives by hand; the peers always say {@code verdict}. */
  FencingGuard guard(
      SelfFencing fencing, HypervisorDriver driver, Watchdog watchdog, PeerClient.Verdict verdict) {
    return new FencingGuard(
        "h",
        fencing,
        new Fence("h", driver, stoppers, Duration.ofMillis(200)),
        watchdog,
        age -> verdict,
        Duration.ofMillis(250),
        Duration.ofSeconds(15 - 3), // grace 15 s, watchdog timeout 3 s
        null,
        () -> {});
  }

  static Watchdog countingWatchdog() {
    return new CountingWatchdog();
  }

  static SimulatedDriver instances(int count) throws DriverException {
    return FencingUnderNetworkFaultsTest.runningInstances("h", count);
  }

  static final class CountingWatchdog implements Watchdog {
    final AtomicInteger feeds = new AtomicInteger();

    @Override
    public void feed() {
      feeds.incrementAndGet();
    }

    @Override
    public java.util.Optional<Duration> timeout() {
      return java.util.Optional.empty();
    }

    @Override
    public String describe() {
      return "counting";
    }

    @Override
    public void close() {}

    @Override
    public void abandon() {}
  }

  /** Stops take their time; one named instance cannot be stopped while {@code failing} names it. */
  static final class SlowStops extends DelegatingDriver {
    private final Duration each;
    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();
    volatile String failing;

    SlowStops(SimulatedDriver inner, Duration each, String failing) {
      super(inner);
      this.each = each;
      this.failing = failing;
    }

    int mostAtOnce() {
      return most.get();
    }

    @Override
    public void stop(InstanceRef instance) throws DriverException {
      most.accumulateAndGet(now.incrementAndGet(), Math::max);
      try {
        Thread.sleep(each.toMillis());
        if (instance.name().equals(failing)) {
          throw new DriverException("domain " + instance.name() + " does not stop");
        }
        super.stop(instance);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        now.decrementAndGet();
      }
    }
  }

  /** Everything to a simulated hypervisor; tests override what they slow down or break. */
  static class DelegatingDriver implements HypervisorDriver {
    final SimulatedDriver inner;

    DelegatingDriver(SimulatedDriver inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public void start(InstanceRef instance, Resources resources, ImageRef image)
        throws DriverException {
      inner.start(instance, resources, image);
    }

    @Override
    public void pause(InstanceRef instance, String reason) throws DriverException {
      inner.pause(instance, reason);
    }

    @Override
    public void resume(InstanceRef instance) throws DriverException {
      inner.resume(instance);
    }

    @Override
    public void stop(InstanceRef instance) throws DriverException {
      inner.stop(instance);
    }

    @Override
    public void migrate(InstanceRef instance, String targetHost) throws DriverException {
      inner.migrate(instance, targetHost);
    }

    @Override
    public List<Instance> instances() {
      return new ArrayList<>(inner.instances());
    }

    @Override
    public boolean storageConnected() {
      return inner.storageConnected();
    }

    @Override
    public boolean networkConnected() {
      return inner.networkConnected();
    }

    @Override
    public java.util.Set<String> reachableRepositories() {
      return inner.reachableRepositories();
    }

    @Override
    public String migrationUri() {
      return inner.migrationUri();
    }
  }
}
