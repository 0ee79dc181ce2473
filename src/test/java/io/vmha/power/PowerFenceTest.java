package io.vmha.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmha.agent.MutableClock;
import io.vmha.power.FenceOutcome.Result;
import io.vmha.power.PowerException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fence procedure against a BMC in memory, on a clock that moves only when the procedure waits:
 * when it cuts the power, when it retries, when it gives up, and what it reports.
 */
class PowerFenceTest {
  private static final PowerFenceSettings SETTINGS =
      new PowerFenceSettings(
          Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(60), 3);

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final List<Duration> waits = new ArrayList<>();
  private final PowerFence fence =
      new PowerFence(
          SETTINGS,
          clock,
          d -> {
            waits.add(d);
            clock.advance(d);
          });

  @Test
  void aHostAlreadyOffIsFencedWithoutAPowerRequest() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.Off);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOff);
    assertThat(outcome.poweredOff()).isTrue();
    assertThat(outcome.attempts()).isZero();
    assertThat(bmc.forceOffs).isZero();
    assertThat(outcome.duration()).isZero();
  }

  @Test
  void cutsThePowerAndWaitsUntilTheBmcReportsOff() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).takes(Duration.ofSeconds(3));

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOff);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(outcome.lastState()).isEqualTo(PowerState.Off);
    assertThat(outcome.duration()).isEqualTo(Duration.ofSeconds(3));
    assertThat(outcome.message()).contains("ForceOff accepted (1 try)", "reports Off 3.0 s later");
    assertThat(waits).allMatch(d -> d.equals(SETTINGS.pollEvery()));
  }

  @Test
  void poweringOffIsNotOff() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.PoweringOff).stuck();

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.NotConfirmed);
    assertThat(outcome.lastState()).isEqualTo(PowerState.PoweringOff);
    assertThat(bmc.forceOffs).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"Unreachable", "Timeout", "ServerError"})
  void sendsThePowerOffAgainWhileTheBmcIsOutOfReachOrFailing(Kind kind) throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).failRequests(kind, kind);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOff);
    assertThat(outcome.attempts()).isEqualTo(3);
    assertThat(bmc.forceOffs).isEqualTo(3);
    // a short wait before each new try, doubling
    assertThat(waits).startsWith(Duration.ofMillis(250), Duration.ofMillis(500));
  }

  @Test
  void givesUpAsUnreachableAfterTheLastTry() throws Exception {
    FakeBmc bmc =
        new FakeBmc(clock, PowerState.On)
            .failReads(Kind.Unreachable)
            .failRequests(Kind.Unreachable, Kind.Timeout, Kind.Unreachable, Kind.Unreachable);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.Unreachable);
    assertThat(outcome.poweredOff()).isFalse();
    assertThat(outcome.attempts()).isEqualTo(3);
    assertThat(bmc.forceOffs).isEqualTo(3);
    assertThat(outcome.message()).contains("https://bmc.test", "3 tries");
    assertThat(outcome.lastState()).isEqualTo(PowerState.Unknown);
    assertThat(outcome.duration()).isEqualTo(Duration.ofMillis(250 + 500));
  }

  @Test
  void refusedCredentialsAreNeverSentAgain() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).failRequests(Kind.Unauthorized);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.CredentialsRefused);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(bmc.forceOffs).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void credentialsRefusedOnTheFirstReadSendNoPowerRequest() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).failReads(Kind.Unauthorized);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.CredentialsRefused);
    assertThat(outcome.attempts()).isZero();
    assertThat(bmc.forceOffs).isZero();
    assertThat(bmc.reads).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"NotFound", "Refused", "BadResponse"})
  void aRefusedPowerOffEndsTheFenceAtOnce(Kind kind) throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).failRequests(kind);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.Refused);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(outcome.message()).contains("scripted");
  }

  @Test
  void anUnknownStateStillGetsThePowerOff() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).failReads(Kind.Timeout);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOff);
    assertThat(bmc.forceOffs).isEqualTo(1);
  }

  @Test
  void aBmcThatNeverReportsOffIsNotConfirmedAfterConfirmWithin() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).stuck();

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.NotConfirmed);
    assertThat(outcome.poweredOff()).isFalse();
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(outcome.lastState()).isEqualTo(PowerState.On);
    assertThat(outcome.duration()).isEqualTo(SETTINGS.confirmWithin());
    assertThat(outcome.message())
        .contains("ForceOff accepted", "did not report Off within 60.0 s", "still reports On");
    // a read every pollEvery, the last one at the deadline
    assertThat(bmc.reads).isEqualTo(1 + 60_000 / 250 + 1);
  }

  @Test
  void readsThatFailWhileThePowerGoesAreAskedAgain() throws Exception {
    FakeBmc bmc =
        new FakeBmc(clock, PowerState.On)
            .takes(Duration.ofSeconds(1))
            .failReads(Kind.Unreachable, Kind.Timeout, Kind.ServerError, Kind.BadResponse);

    FenceOutcome outcome = fence.fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOff);
    assertThat(bmc.forceOffs).isEqualTo(1);
  }

  @Test
  void aBmcThatStopsAnsweringReportsTheLastReadFailure() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).stuck();
    Kind[] failures = new Kind[400];
    java.util.Arrays.fill(failures, Kind.Timeout);
    bmc.failReads(Kind.Unreachable); // the first read, before the power-off
    FenceOutcome outcome = fence.fence(bmc.failReads(failures));

    assertThat(outcome.result()).isEqualTo(Result.NotConfirmed);
    assertThat(outcome.message()).contains("the last read failed", "Timeout (scripted)");
  }

  @Test
  void poweringOnWaitsUntilTheBmcReportsOn() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.Off).takes(Duration.ofSeconds(2));

    FenceOutcome outcome = fence.powerOn(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOn);
    assertThat(outcome.poweredOff()).isFalse();
    assertThat(bmc.powerOns).isEqualTo(1);
    assertThat(bmc.forceOffs).isZero();
    assertThat(outcome.message()).contains("On accepted", "reports On 2.0 s later");
  }

  @Test
  void aHostAlreadyOnIsNotPoweredOnAgain() throws Exception {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On);

    FenceOutcome outcome = fence.powerOn(bmc);

    assertThat(outcome.result()).isEqualTo(Result.PoweredOn);
    assertThat(bmc.powerOns).isZero();
  }

  @Test
  void settingsThatCannotWorkAreRefused() {
    assertThat(PowerFenceSettings.defaults().validate()).isEqualTo(PowerFenceSettings.defaults());
    assertThatThrownBy(
            () ->
                new PowerFenceSettings(
                        Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(60), 0)
                    .validate())
        .hasMessageContaining("postAttempts");
    assertThatThrownBy(
            () ->
                new PowerFenceSettings(
                        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5), 3)
                    .validate())
        .hasMessageContaining("longer than confirmWithin");
    assertThatThrownBy(
            () ->
                new PowerFenceSettings(
                        Duration.ZERO, Duration.ofMillis(250), Duration.ofSeconds(60), 3)
                    .validate())
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(
            () ->
                new PowerFence(
                    new PowerFenceSettings(
                        Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(60), -1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anInterruptedFenceSaysSo() {
    FakeBmc bmc = new FakeBmc(clock, PowerState.On).stuck();
    PowerFence interrupted =
        new PowerFence(
            SETTINGS,
            clock,
            d -> {
              throw new InterruptedException();
            });

    assertThatThrownBy(() -> interrupted.fence(bmc)).isInstanceOf(InterruptedException.class);
  }
}
