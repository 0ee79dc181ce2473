package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.health.ConditionStatus;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.Priority;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostHealthRulesTest {

  @Test
  void H1_hostNotSeenRenewingForTheGracePeriodIsNotRespondingAndAFreshHeartbeatBringsItBack() {
    FleetBuilder fleet =
        fleet().sharedRepository("zos").host("pacific").host("atlantic").host("indian");
    fleet.host("pacific", h -> h.silentFor(Duration.ofSeconds(14)));
    assertThat(fleet.plan().host("pacific").phase()).isEqualTo(HostPhase.Up);

    fleet.host("pacific", h -> h.silentFor(Duration.ofSeconds(15)));
    Plan lost = fleet.plan();
    assertThat(lost.host("pacific").phase()).isEqualTo(HostPhase.NotResponding);
    assertThat(lost.host("pacific").condition("AgentConnected").status())
        .isEqualTo(ConditionStatus.False);
    assertThat(lost.host("pacific").condition("Ready").status()).isEqualTo(ConditionStatus.Unknown);

    fleet.host("pacific", h -> h.back());
    assertThat(fleet.plan().host("pacific").phase()).isEqualTo(HostPhase.Up);
  }

  /**
   * R6: an agent that counts another self-fence deadline may keep its VMs after the operator
   * restarted them elsewhere: its host takes no new VM, says why, and keeps the ones it runs.
   */
  @Test
  void R6_aHostWhoseAgentRunsOtherSettingsIsNonOperationalAndSaysWhy() {
    var matching = io.vmha.core.model.AgentSettings.of(Settings.defaults());
    var late =
        new io.vmha.core.model.AgentSettings(
            Duration.ofSeconds(2),
            Duration.ofSeconds(30),
            Duration.ofSeconds(15),
            FencingPolicy.SelfFence,
            0.5);
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("pacific", h -> h.agentSettings(late))
            .host("atlantic", h -> h.agentSettings(matching))
            .host("indian")
            .vm("demo/db", v -> v.image("zos").runsOn("pacific", "db"))
            .vm("demo/web", v -> v.image("zos"));
    Plan plan = fleet.plan();
    assertThat(plan.host("pacific").phase()).isEqualTo(HostPhase.NonOperational);
    assertThat(plan.host("pacific").condition("SettingsMatch").status())
        .isEqualTo(ConditionStatus.False);
    assertThat(plan.host("pacific").condition("SettingsMatch").reason())
        .isEqualTo("SettingsMismatch");
    assertThat(plan.host("pacific").condition("SettingsMatch").message())
        .contains("selfFenceAfter PT30S (operator: PT10S)");
    assertThat(plan.host("atlantic").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.host("atlantic").condition("SettingsMatch").status())
        .isEqualTo(ConditionStatus.True);
    // an agent that does not say what it runs is not judged on it
    assertThat(plan.host("indian").phase()).isEqualTo(HostPhase.Up);
    // the new VM goes elsewhere; the running one is not moved
    assertThat(plan.actions(Action.PlaceVm.class))
        .singleElement()
        .satisfies(
            place -> {
              assertThat(place.vm()).isEqualTo("demo/web");
              assertThat(place.host()).isNotEqualTo("pacific");
            });
    assertThat(plan.actions(Action.MigrateVm.class)).isEmpty();
  }

  /**
   * A new leader places nothing on a host it has not seen renew: the host may have died just before
   * the leader change, and its fresh grace period is only the operator's restart.
   */
  @Test
  void P1_noNewVmOnAHostTheOperatorHasNotSeenRenew() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("atlantic", h -> h.notSeenRenewing())
            .host("pacific")
            .vm("demo/web", v -> v.image("zos"));
    Plan plan = fleet.plan();
    assertThat(plan.host("atlantic").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.host("atlantic").condition("Schedulable").reason())
        .isEqualTo("AwaitingRenewal");
    assertThat(plan.actions(Action.PlaceVm.class))
        .singleElement()
        .extracting(Action.PlaceVm::host)
        .isEqualTo("pacific");
  }

  @Test
  void H1_settingsWhereTheGracePeriodDoesNotCoverSelfFencingAreRefused() {
    Settings tooShort =
        Settings.defaults()
            .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(13), Duration.ofSeconds(10));
    assertThat(tooShort.validate())
        .singleElement()
        .asString()
        .contains(
            "hostGracePeriod (13s) must be at least selfFenceAfter + heartbeatInterval + 2s (14s)");
    assertThat(Settings.defaults().validate()).isEmpty();
    assertThat(Settings.defaults().withReserveHosts(-1).validate())
        .anyMatch(e -> e.contains("reserveHosts"));
  }

  @Test
  void H1_nextDeadlineIsWhenTheFirstFreshHeartbeatExpires() {
    FleetBuilder fleet = fleet().host("pacific").host("atlantic");
    fleet.host("pacific", h -> h.silentFor(Duration.ofSeconds(5)));
    assertThat(fleet.plan().nextDeadline()).contains(fleet.now().plusSeconds(10));
  }

  @Test
  void H2_storageOrNetworkLostWhileConnectedIsNonOperational() {
    FleetBuilder fleet =
        fleet()
            .host("pacific", h -> h.storageLost(true))
            .host("atlantic", h -> h.networkLost(true));
    Plan plan = fleet.plan();
    assertThat(plan.host("pacific").phase()).isEqualTo(HostPhase.NonOperational);
    assertThat(plan.host("pacific").condition("StorageConnected").status())
        .isEqualTo(ConditionStatus.False);
    assertThat(plan.host("atlantic").phase()).isEqualTo(HostPhase.NonOperational);
    assertThat(plan.host("atlantic").condition("NetworkConnected").status())
        .isEqualTo(ConditionStatus.False);
  }

  @Test
  void H3_cordonedHostStaysUpButTakesNoNewVms() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("atlantic", h -> h.cordoned())
            .host("pacific")
            .vm("default/web", v -> v.image("zos"));
    Plan plan = fleet.plan();
    assertThat(plan.host("atlantic").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.host("atlantic").condition("Schedulable").reason()).isEqualTo("Cordoned");
    assertThat(plan.actions(Action.PlaceVm.class))
        .singleElement()
        .extracting(Action.PlaceVm::host)
        .isEqualTo("pacific");
  }

  @Test
  void H3_maintenanceDrainsThenIsMaintenance() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host("atlantic", h -> h.maintenance(true))
            .host("pacific")
            .vm("default/web", v -> v.image("zos").runsOn("atlantic", "web"));
    Plan draining = fleet.plan();
    assertThat(draining.host("atlantic").phase()).isEqualTo(HostPhase.PreparingForMaintenance);
    assertThat(draining.actions(Action.MigrateVm.class))
        .containsExactly(
            new Action.MigrateVm("default/web", "atlantic", "pacific", MigrationCause.Maintenance));

    fleet.vm("default/web", v -> v.runsOn("pacific", "web"));
    assertThat(fleet.plan().host("atlantic").phase()).isEqualTo(HostPhase.Maintenance);
  }

  @Test
  void H4_drainMigratesHighestPriorityFirstAtMostTwoAtOnce() {
    FleetBuilder fleet =
        fleet().sharedRepository("zos").host("atlantic", h -> h.maintenance(true)).host("pacific");
    fleet.vm(
        "default/a-low",
        v -> v.image("zos").resources(100, 100).priority(Priority.Low).runsOn("atlantic", "a-low"));
    fleet.vm(
        "default/b-high",
        v ->
            v.image("zos")
                .resources(100, 100)
                .priority(Priority.High)
                .runsOn("atlantic", "b-high"));
    fleet.vm(
        "default/c-medium",
        v ->
            v.image("zos")
                .resources(100, 100)
                .priority(Priority.Medium)
                .runsOn("atlantic", "c-medium"));
    fleet.vm(
        "default/d-nonha",
        v ->
            v.image("zos")
                .resources(100, 100)
                .ha(false)
                .priority(Priority.High)
                .runsOn("atlantic", "d-nonha"));

    assertThat(fleet.plan().actions(Action.MigrateVm.class))
        .extracting(Action.MigrateVm::vm)
        .containsExactly("default/b-high", "default/c-medium");

    fleet.vm("default/b-high", v -> v.migratingTo("pacific"));
    assertThat(fleet.plan().actions(Action.MigrateVm.class))
        .extracting(Action.MigrateVm::vm)
        .containsExactly("default/c-medium");
  }

  @Test
  void H5_failoverFreezesWhenMoreThanHalfTheHostsAreNotRespondingAndResumesAfter() {
    FleetBuilder fleet =
        fleet().sharedRepository("zos").host("h1").host("h2").host("h3").host("h4");
    fleet.vm("default/web", v -> v.image("zos").runsOn("h1", "web"));
    fleet.host("h1", h -> h.silentFor(Duration.ofSeconds(30)));
    fleet.host("h2", h -> h.silentFor(Duration.ofSeconds(30)));
    assertThat(fleet.plan().failoverFrozen()).as("exactly half is not more than half").isFalse();

    fleet.host("h3", h -> h.silentFor(Duration.ofSeconds(30)));
    Plan frozen = fleet.plan();
    assertThat(frozen.failoverFrozen()).isTrue();
    assertThat(frozen.actions(Action.FreezeFailover.class))
        .singleElement()
        .asString()
        .contains("3/4 hosts");
    assertThat(frozen.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(frozen.actions(Action.LeaveAlone.class))
        .as("no status write per VM while frozen: the hosts' condition says it")
        .isEmpty();
    assertThat(frozen.actions(Action.VmStatusAction.class)).isEmpty();
    assertThat(frozen.host("h4").condition("FailoverFrozen").status())
        .isEqualTo(ConditionStatus.True);

    fleet.failoverFrozen(true).host("h2", h -> h.back()).host("h3", h -> h.back());
    Plan resumed = fleet.plan();
    assertThat(resumed.actions(Action.UnfreezeFailover.class)).hasSize(1);
    // h1 was silent during the outage: its agent may have held off self-fencing and fed its
    // watchdog until now, so its VMs count as stopped only selfFenceAfter + heartbeatInterval later
    assertThat(resumed.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(resumed.actions(Action.LeaveAlone.class))
        .singleElement()
        .extracting(Action.LeaveAlone::reason)
        .isEqualTo(LeaveReason.AwaitingSelfFence);
    assertThat(resumed.nextDeadline()).contains(fleet.now().plus(Duration.ofSeconds(12)));

    fleet.failoverResumedNow().advance(Duration.ofSeconds(10));
    assertThat(fleet.plan().actions(Action.PlaceVm.class)).isEmpty();
    fleet.advance(Duration.ofSeconds(2));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .containsExactly("default/web");
  }

  @Test
  void H5_withoutFencingAHostSilentDuringTheFreezeGetsTimeToReportBeforeAStaleRecord() {
    FleetBuilder fleet =
        fleet()
            .settings(Settings.defaults().withFencing(FencingPolicy.None))
            .sharedRepository("zos")
            .host("h1")
            .host("h2")
            .host("h3")
            .host("h4");
    fleet.vm("default/web", v -> v.image("zos").runsOn("h1", "web"));
    fleet.host("h1", h -> h.silentFor(Duration.ofSeconds(30)));
    fleet.failoverFrozen(true);
    Plan resumed = fleet.plan();
    assertThat(resumed.actions(Action.UnfreezeFailover.class)).hasSize(1);
    // h1 was most likely cut off with the others and has not reported back yet: starting web
    // elsewhere now would run it twice for nothing
    assertThat(resumed.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(resumed.actions(Action.RecordStaleInstance.class)).isEmpty();
    assertThat(resumed.actions(Action.LeaveAlone.class))
        .singleElement()
        .extracting(Action.LeaveAlone::reason)
        .isEqualTo(LeaveReason.AwaitingReport);
    assertThat(resumed.nextDeadline()).contains(fleet.now().plus(Duration.ofSeconds(12)));

    fleet.failoverResumedNow().advance(Duration.ofSeconds(12));
    Plan late = fleet.plan();
    assertThat(late.actions(Action.RecordStaleInstance.class)).hasSize(1);
    assertThat(late.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .containsExactly("default/web");
  }

  @Test
  void H5_hostThatFellSilentAfterFailoverResumedIsFailedOverAtOnce() {
    FleetBuilder fleet =
        fleet().sharedRepository("zos").host("h1").host("h2").host("h3").host("h4");
    fleet.vm("default/web", v -> v.image("zos").runsOn("h1", "web"));
    fleet.failoverResumedNow().advance(Duration.ofSeconds(5));
    fleet.host("h1", h -> h.silentFor(Duration.ofSeconds(1))); // after failover resumed
    fleet.advance(Duration.ofSeconds(15));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .containsExactly("default/web");
  }

  @Test
  void H5_afterAnOperatorRestartEveryHostGetsAFreshGracePeriod() {
    // the operator passes its own start time as lastHeartbeatSeen for hosts it has not seen renew
    FleetBuilder fleet = fleet().sharedRepository("zos").host("pacific").host("atlantic");
    fleet.host("pacific", h -> h.silentFor(Duration.ZERO));
    fleet.advance(Duration.ofSeconds(14));
    assertThat(fleet.plan().host("pacific").phase()).isEqualTo(HostPhase.Up);
    fleet.advance(Duration.ofSeconds(1));
    assertThat(fleet.plan().host("pacific").phase()).isEqualTo(HostPhase.NotResponding);
  }
}
