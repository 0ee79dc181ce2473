package io.vmha.core;

import static io.vmha.core.vm.HungGuestWatch.Verdict.GAVE_UP;
import static io.vmha.core.vm.HungGuestWatch.Verdict.RESET;
import static io.vmha.core.vm.HungGuestWatch.Verdict.WATCH;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.GuestMonitoring;
import io.vmha.core.model.InstanceState;
import io.vmha.core.vm.HungGuestWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** M1 on the agent's side: a guest whose guest agent went silent on a healthy host. */
class VmMonitoringRulesTest {
  static final GuestMonitoring MONITORING = GuestMonitoring.DEFAULTS;
  static final Instant START = Instant.parse("2026-12-03T10:00:00Z");

  /** Long enough after the start for minUptime to be behind it. */
  static final Instant LATER = START.plus(Duration.ofMinutes(10));

  static HungGuestWatch.Verdict silent(Duration silentFor, List<Instant> resets, Instant now) {
    return HungGuestWatch.judge(
        MONITORING, true, InstanceState.Running, false, START, now.minus(silentFor), resets, now);
  }

  static HungGuestWatch.Verdict judged(
      boolean hostHealthy,
      InstanceState state,
      boolean migrating,
      Instant silentSince,
      Instant now) {
    return HungGuestWatch.judge(
        MONITORING, hostHealthy, state, migrating, START, silentSince, List.of(), now);
  }

  @Test
  void M1_aGuestSilentForTheFailureIntervalAfterMinUptimeIsReset() {
    assertThat(silent(Duration.ofSeconds(29), List.of(), LATER)).isEqualTo(WATCH);
    assertThat(silent(Duration.ofSeconds(30), List.of(), LATER)).isEqualTo(RESET);
  }

  @Test
  void M1_anAnsweringOrUnmonitoredGuestIsLeftAlone() {
    assertThat(judged(true, InstanceState.Running, false, null, LATER)).isEqualTo(WATCH);
    assertThat(
            HungGuestWatch.judge(
                null,
                true,
                InstanceState.Running,
                false,
                START,
                START.plusSeconds(1),
                List.of(),
                LATER))
        .isEqualTo(WATCH);
  }

  @Test
  void M1_noGuestIsJudgedBeforeMinUptimeAndSilenceCountsFromTheStartAtTheEarliest() {
    Instant early = START.plusSeconds(119);
    assertThat(judged(true, InstanceState.Running, false, START, early))
        .as("silent since it started, but not up for minUptime yet")
        .isEqualTo(WATCH);
    assertThat(
            judged(
                true,
                InstanceState.Running,
                false,
                START.minusSeconds(3600),
                START.plusSeconds(120)))
        .as("a guest agent that never answered is silent from the start")
        .isEqualTo(RESET);
  }

  @Test
  void M1_aGuestOnAnUnhealthyHostPausedOrMigratingIsNotReset() {
    Instant silentSince = LATER.minusSeconds(300);
    assertThat(judged(false, InstanceState.Running, false, silentSince, LATER))
        .as("fencing, or storage or network lost")
        .isEqualTo(WATCH);
    assertThat(judged(true, InstanceState.Paused, false, silentSince, LATER)).isEqualTo(WATCH);
    assertThat(judged(true, InstanceState.Running, true, silentSince, LATER)).isEqualTo(WATCH);
  }

  @Test
  void M1_aResetStartsMinUptimeAndTheSilenceAfresh() {
    Instant reset = LATER.minusSeconds(60);
    assertThat(silent(Duration.ofMinutes(5), List.of(reset), LATER))
        .as("up 60 s since its reset")
        .isEqualTo(WATCH);
    assertThat(silent(Duration.ofMinutes(5), List.of(reset), reset.plusSeconds(120)))
        .isEqualTo(RESET);
  }

  @Test
  void M1_afterMaxResetsWithinTheWindowTheGuestIsLeftAloneUntilTheOldestLeavesIt() {
    List<Instant> three =
        List.of(LATER.minusSeconds(900), LATER.minusSeconds(600), LATER.minusSeconds(300));
    assertThat(silent(Duration.ofMinutes(10), three, LATER)).isEqualTo(GAVE_UP);
    Instant anHourAfterTheFirst = three.get(0).plus(Duration.ofHours(1));
    assertThat(silent(Duration.ofMinutes(10), three, anHourAfterTheFirst)).isEqualTo(RESET);
    assertThat(HungGuestWatch.withinWindow(MONITORING, three, anHourAfterTheFirst))
        .containsExactly(three.get(1), three.get(2));
  }
}
