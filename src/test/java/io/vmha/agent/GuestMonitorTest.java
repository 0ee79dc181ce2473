package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.sim.SimulatedDriver;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import io.vmha.core.model.GuestMonitoring;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * M1 on the agent: a guest whose guest agent stopped answering on a healthy host is reset in place
 * (same instance, same host), at most maxResets times within the window, then left alone.
 */
class GuestMonitorTest {
  static final String ME = "gm-a";
  static final GuestMonitoring MONITORING =
      new GuestMonitoring(Duration.ofSeconds(30), Duration.ofSeconds(120), 2, Duration.ofHours(1));

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  final SimulatedDriver driver =
      SimulatedDriver.standalone(ME, clock, (h, storage) -> Set.of(AgentFixture.SHARED_REPO));
  final GuestAgentProbe probe = new GuestAgentProbe(driver, clock);
  final GuestMonitor monitor = new GuestMonitor(ME, driver, clock, probe);
  final PlacedVm web = placed("web", "Running", List.of());

  static PlacedVm placed(String name, String phase, List<Instant> recorded) {
    PlacedVm vm = InstanceKeeperTest.placed(name, phase, ME);
    return new PlacedVm(
        vm.key(),
        vm.instanceName(),
        vm.phase(),
        vm.host(),
        vm.migrationTarget(),
        vm.resources(),
        vm.image(),
        vm.problem(),
        vm.templateImage(),
        vm.storageErrorPolicy(),
        MONITORING,
        recorded);
  }

  void start(PlacedVm vm) throws DriverException {
    driver.start(vm.instance(), new Resources(1, 512), new ImageRef(AgentFixture.SHARED_REPO, "x"));
  }

  /** The agent's loop for {@code seconds}: a ping, then a look, every second. */
  void run(int seconds, PlacedVm vm, boolean healthy) {
    for (int i = 0; i < seconds; i++) {
      clock.advance(Duration.ofSeconds(1));
      probe.probe();
      monitor.watch(InstanceKeeperTest.work(vm), healthy);
    }
  }

  Instant since(PlacedVm vm) {
    return driver.instances().stream()
        .filter(i -> i.ref().equals(vm.instance()))
        .findFirst()
        .orElseThrow()
        .since();
  }

  @Test
  void M1_aHungGuestIsResetInPlaceAfterTheFailureIntervalAndAnswersAgain() throws Exception {
    start(web);
    run(200, web, true);
    driver.hang(web.instance());
    Instant started = since(web);
    run(29, web, true);
    assertThat(since(web)).as("not yet: silent 29 s").isEqualTo(started);
    run(2, web, true);
    assertThat(since(web)).as("reset: running anew").isAfter(started);
    assertThat(driver.isHung(web.instance())).isFalse();
    assertThat(monitor.resets().get(web.instance())).hasSize(1);
    assertThat(driver.guestAgentAnswers(web.instance())).isEmpty();
  }

  @Test
  void M1_afterMaxResetsTheGuestIsLeftAloneAndSaysSo() throws Exception {
    start(web);
    for (int i = 0; i < 2; i++) {
      run(125, web, true);
      driver.hang(web.instance());
      run(35, web, true);
    }
    assertThat(monitor.resets().get(web.instance())).hasSize(2);
    run(125, web, true);
    driver.hang(web.instance());
    Instant hungAt = since(web);
    run(60, web, true);
    assertThat(since(web)).as("not reset a third time").isEqualTo(hungAt);
    assertThat(monitor.leftAlone(web.instance())).isTrue();
  }

  @Test
  void M1_noResetOnAnUnhealthyHostNorOfAGuestLeavingIt() throws Exception {
    start(web);
    run(200, web, true);
    driver.hang(web.instance());
    Instant started = since(web);
    run(60, web, false);
    PlacedVm leaving =
        new PlacedVm(
            web.key(),
            web.instanceName(),
            "Migrating",
            ME,
            "gm-b",
            web.resources(),
            web.image(),
            null,
            false,
            web.storageErrorPolicy(),
            MONITORING,
            List.of());
    run(60, leaving, true);
    assertThat(since(web)).isEqualTo(started);
  }

  @Test
  void M1_resetsTheOperatorRecordedCountAfterAnAgentRestart() throws Exception {
    start(web);
    run(200, web, true);
    Instant before = clock.instant();
    PlacedVm recorded = placed("web", "Running", List.of(before.minusSeconds(600), before));
    driver.hang(web.instance());
    run(200, recorded, true);
    assertThat(monitor.leftAlone(web.instance()))
        .as("two resets recorded by the operator: a new agent does not reset a third time")
        .isTrue();
  }
}
