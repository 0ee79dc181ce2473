package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.health.Condition;
import io.vmha.core.health.ConditionStatus;
import io.vmha.core.health.HostHealth;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.PowerFenceView.State;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * PF1-PF5: a host whose BMC the operator can reach is judged lost after the power-fenced grace
 * period (5 s at the default 2 s heartbeat), powered off, and its VMs restart elsewhere as soon as
 * the BMC confirms, not at the self-fence deadline (15 s); without a confirmation, today's path.
 */
class PowerFencingRulesTest {
  private static final Duration SILENT_6S = Duration.ofSeconds(6);

  private static FleetBuilder fleetWithPoweredHost() {
    return fleet()
        .sharedRepository("zos")
        .host("vmhost1", FleetBuilder.Host::powerManaged)
        .host("vmhost2")
        .host("vmhost3")
        .vm("default/db", v -> v.image("zos").runsOn("vmhost1", "db"));
  }

  @Test
  void PF1_PF2_aPowerManagedHostSilentForThePowerFencedGracePeriodIsLostAndPoweredOff() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host("vmhost1", h -> h.silentFor(SILENT_6S));

    Plan plan = fleet.plan();

    assertThat(health(plan, "vmhost1").phase()).isEqualTo(HostPhase.NotResponding);
    assertThat(plan.actions(Action.PowerFence.class))
        .extracting(Action.PowerFence::host)
        .containsExactly("vmhost1");
    // not confirmed yet: the VM may still run there; its status is not rewritten for the moment
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.VmStatusAction.class)).isEmpty();
  }

  @Test
  void PF1_aHostWithoutPowerManagementIsStillUpAfterSixSecondsOfSilence() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("vmhost1")
            .host("vmhost2")
            .vm("default/db", v -> v.image("zos").runsOn("vmhost1", "db"));
    fleet.host("vmhost1", h -> h.silentFor(SILENT_6S));

    Plan plan = fleet.plan();

    assertThat(health(plan, "vmhost1").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.actions(Action.PowerFence.class)).isEmpty();
  }

  @Test
  void PF1_oneLateRenewalDoesNotPowerAHostOff() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host("vmhost1", h -> h.silentFor(Duration.ofSeconds(4)));

    Plan plan = fleet.plan();

    assertThat(health(plan, "vmhost1").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.actions(Action.PowerFence.class)).isEmpty();
    assertThat(plan.nextDeadline()).contains(fleet.now().plusSeconds(1));
  }

  @Test
  void PF3_onceTheBmcConfirmsTheVmRestartsElsewhereAtOnceWithNoStaleRecord() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host(
        "vmhost1", h -> h.silentFor(SILENT_6S).powerFence(State.PoweredOff, Duration.ofSeconds(1)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class))
        .singleElement()
        .satisfies(p -> assertThat(p.host()).isNotEqualTo("vmhost1"));
    assertThat(plan.actions(Action.RecordStaleInstance.class)).isEmpty();
    assertThat(plan.actions(Action.PowerFence.class)).as("done for this outage").isEmpty();
    assertThat(condition(plan, "vmhost1", "PowerFenced"))
        .satisfies(
            c -> {
              assertThat(c.status()).isEqualTo(ConditionStatus.True);
              assertThat(c.reason()).isEqualTo("FencedByPower");
            });
  }

  @Test
  void PF3_withFencingNoneAConfirmedPowerOffLeavesNoStaleInstanceEither() {
    FleetBuilder fleet =
        fleetWithPoweredHost().settings(Settings.defaults().withFencing(FencingPolicy.None));
    fleet.host(
        "vmhost1", h -> h.silentFor(SILENT_6S).powerFence(State.PoweredOff, Duration.ofSeconds(1)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class)).hasSize(1);
    assertThat(plan.actions(Action.RecordStaleInstance.class)).isEmpty();
  }

  @Test
  void PF4_whileTheFenceIsUnderWayNothingIsAskedTwiceAndTheVmWaits() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host(
        "vmhost1",
        h -> h.silentFor(SILENT_6S).powerFence(State.PoweringOff, Duration.ofMillis(500)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PowerFence.class)).isEmpty();
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.VmStatusAction.class)).isEmpty();
    // the self-fence deadline is when the plan must look again at the latest
    assertThat(plan.nextDeadline()).contains(fleet.now().plusSeconds(9));
  }

  @Test
  void PF4_aFailedFenceFallsBackToTheSelfFenceDeadline() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host(
        "vmhost1", h -> h.silentFor(SILENT_6S).powerFence(State.Failed, Duration.ofMillis(500)));

    Plan waiting = fleet.plan();
    assertThat(waiting.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(waiting.actions(Action.LeaveAlone.class))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.reason()).isEqualTo(LeaveReason.AwaitingPowerFence);
              assertThat(l.message()).contains("could not be powered off", "Failed (test)");
            });
    assertThat(waiting.actions(Action.PowerFence.class)).as("one fence per outage").isEmpty();
    assertThat(condition(waiting, "vmhost1", "PowerFenced").reason()).isEqualTo("PowerFenceFailed");

    fleet.advance(Duration.ofSeconds(9));
    Plan after = fleet.plan();
    assertThat(after.actions(Action.PlaceVm.class)).hasSize(1);
    assertThat(after.actions(Action.RecordStaleInstance.class))
        .as("SelfFence: the host must have fenced itself by now")
        .isEmpty();
  }

  @Test
  void PF4_aFenceFromAnEarlierOutageDoesNotCount() {
    FleetBuilder fleet = fleetWithPoweredHost();
    // powered off 60 s ago, back since, now silent again
    fleet.host(
        "vmhost1",
        h -> h.silentFor(SILENT_6S).powerFence(State.PoweredOff, Duration.ofSeconds(60)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.PowerFence.class)).hasSize(1);
  }

  @Test
  void PF2_noFencingStormWhenMostHostsGoSilentTogether() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("vmhost1", FleetBuilder.Host::powerManaged)
            .host("vmhost2", FleetBuilder.Host::powerManaged)
            .host("vmhost3", FleetBuilder.Host::powerManaged)
            .vm("default/db", v -> v.image("zos").runsOn("vmhost1", "db"));
    // cut off together: the first crosses 5 s while the other two are one heartbeat behind
    fleet.host("vmhost1", h -> h.silentFor(Duration.ofMillis(5100)));
    fleet.host("vmhost2", h -> h.silentFor(Duration.ofMillis(3600)));
    fleet.host("vmhost3", h -> h.silentFor(Duration.ofMillis(3200)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PowerFence.class)).isEmpty();
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
  }

  @Test
  void PF2_aHostWhoseGuestsStillReportIsNotPoweredOff() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("vmhost1", FleetBuilder.Host::powerManaged)
            .host("vmhost2")
            .vm("default/db", v -> v.image("zos").guestAgent(true).runsOn("vmhost1", "db"));
    fleet.host("vmhost1", h -> h.silentFor(SILENT_6S));
    fleet.vm("default/db", v -> v.guestHeartbeatSeen(fleet.now().minusSeconds(1)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PowerFence.class)).isEmpty();
    assertThat(plan.actions(Action.LeaveAlone.class))
        .singleElement()
        .extracting(Action.LeaveAlone::reason)
        .isEqualTo(LeaveReason.GuestAgentAlive);
  }

  @Test
  void PF5_aHostBackAfterItsFenceHasTheRecordCleared() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host("vmhost1", h -> h.powerFence(State.PoweredOff, Duration.ofSeconds(30)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.ClearPowerFence.class))
        .containsExactly(new Action.ClearPowerFence("vmhost1"));
    assertThat(condition(plan, "vmhost1", "PowerFenced").status()).isEqualTo(ConditionStatus.False);
  }

  @Test
  void PF5_aNewLeaderKeepsTheRecordUntilItSeesTheHostRenew() {
    FleetBuilder fleet = fleetWithPoweredHost();
    fleet.host(
        "vmhost1", h -> h.notSeenRenewing().powerFence(State.PoweredOff, Duration.ofSeconds(30)));

    assertThat(fleet.plan().actions(Action.ClearPowerFence.class)).isEmpty();
  }

  @Test
  void settingsRefuseAPowerFencedGracePeriodOfOneHeartbeat() {
    Settings settings = Settings.defaults().withPowerFencedGracePeriod(Duration.ofSeconds(3));
    assertThat(settings.validate())
        .singleElement()
        .asString()
        .contains("powerFencedGracePeriod", "twice heartbeatInterval");
    assertThat(Settings.defaults().powerFencedGracePeriod()).isEqualTo(Duration.ofSeconds(5));
  }

  private static HostHealth health(Plan plan, String host) {
    return plan.hosts().stream().filter(h -> h.host().equals(host)).findFirst().orElseThrow();
  }

  private static Condition condition(Plan plan, String host, String type) {
    return health(plan, host).conditions().stream()
        .filter(c -> c.type().equals(type))
        .findFirst()
        .orElseThrow();
  }
}
