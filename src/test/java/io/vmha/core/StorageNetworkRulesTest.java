package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.HostPhase;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Priority;
import io.vmha.core.model.SpmPriority;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Seed 2: the Pacific and Atlantic hosts sharing an iSCSI repository. */
class StorageNetworkRulesTest {

  /** atlantic runs rhel-ha-high's instance, though the VM does not name it. */
  private static void runsOnAtlantic(FleetBuilder fleet, InstanceState state) {
    runsUntrackedOn(fleet, "atlantic", state);
  }

  /** {@code host} runs rhel-ha-high's instance, though the VM does not name it. */
  private static void runsUntrackedOn(FleetBuilder fleet, String host, InstanceState state) {
    fleet.host(
        host,
        h ->
            h.runsUntracked(
                "demo/rhel-ha-high",
                "rhel-ha-high",
                state,
                io.vmha.core.model.Resources.of(500, 1024)));
  }

  private static FleetBuilder seedTwo() {
    FleetBuilder fleet = fleet().sharedRepository("iscsi-share").host("atlantic").host("pacific");
    fleet.vm(
        "demo/rhel-ha-high",
        v ->
            v.image("iscsi-share")
                .resources(500, 1024)
                .priority(Priority.High)
                .runsOn("pacific", "rhel-ha-high"));
    fleet.vm(
        "demo/rhel-ha-low",
        v ->
            v.image("iscsi-share")
                .resources(500, 1024)
                .priority(Priority.Low)
                .runsOn("pacific", "rhel-ha-low"));
    fleet.vm(
        "demo/rhel-plain",
        v ->
            v.image("iscsi-share")
                .resources(500, 1024)
                .ha(false)
                .priority(Priority.High)
                .runsOn("pacific", "rhel-plain"));
    return fleet;
  }

  @Test
  void
      S1_nonSpmHostLosingStorageIsNonOperationalAndItsPausedVmsMigrateHighAvailabilityHighPriorityFirst() {
    FleetBuilder fleet = seedTwo().spmLease("atlantic", fleet().now());
    fleet.host("pacific", h -> h.storageLost(true));
    fleet.vm("demo/rhel-ha-high", v -> v.phase(VmPhase.Paused));
    fleet.vm("demo/rhel-ha-low", v -> v.phase(VmPhase.Paused));
    fleet.vm("demo/rhel-plain", v -> v.phase(VmPhase.Paused));

    Plan plan = fleet.plan();

    assertThat(plan.host("pacific").phase()).isEqualTo(HostPhase.NonOperational);
    assertThat(plan.actions(Action.MigrateVm.class))
        .containsExactly(
            new Action.MigrateVm(
                "demo/rhel-ha-high", "pacific", "atlantic", MigrationCause.StorageLost),
            new Action.MigrateVm(
                "demo/rhel-ha-low", "pacific", "atlantic", MigrationCause.StorageLost));
    assertThat(plan.actions(Action.RequestFencing.class)).as("only the SPM is fenced").isEmpty();
  }

  @Test
  void S1_liveMigrationKeepsTheInstanceNameAndIsNotAFailover() {
    FleetBuilder fleet = seedTwo();
    fleet.host("pacific", h -> h.storageLost(true));
    fleet.vm("demo/rhel-ha-high", v -> v.migratingTo("atlantic").notReported());
    runsOnAtlantic(fleet, InstanceState.Running);

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.CompleteMigration.class))
        .containsExactly(new Action.CompleteMigration("demo/rhel-ha-high", "pacific", "atlantic"));
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.StopInstance.class)).isEmpty();
  }

  /**
   * Storage came back while a VM paused for its loss was still being moved (the migration fails
   * while the disks cannot be synced): the migration is called off, so the guest resumes where it
   * is; a host that still must be emptied (maintenance) keeps its migration.
   */
  @Test
  void S1_aMigrationOffAHostWhoseStorageCameBackIsCalledOff() {
    FleetBuilder fleet = seedTwo();
    fleet.vm("demo/rhel-ha-high", v -> v.migratingTo("atlantic").reportedAs(InstanceState.Paused));

    Plan back = fleet.plan();

    assertThat(back.host("pacific").phase()).isEqualTo(HostPhase.Up);
    assertThat(back.actions(Action.AbortMigration.class))
        .extracting(Action.AbortMigration::vm, Action.AbortMigration::phase)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("demo/rhel-ha-high", VmPhase.Paused));
    assertThat(back.actions(Action.PlaceVm.class)).isEmpty();

    fleet.host("pacific", h -> h.maintenance(true));
    assertThat(fleet.plan().actions(Action.AbortMigration.class))
        .as("a host being drained keeps its migrations")
        .isEmpty();
  }

  /**
   * Storage came back after an attempt failed, and the target's report is older than the source's:
   * the attempt may have switched over before it failed, with the guest running on the target
   * unreported yet. Calling the migration off would have the source's agent resume its paused copy:
   * the guest twice. It waits for a target report no older than the source's.
   */
  @Test
  void S1_aMigrationIsCalledOffOnlyOnATargetReportNoOlderThanTheSources() {
    FleetBuilder fleet = seedTwo();
    fleet.vm("demo/rhel-ha-high", v -> v.migratingTo("atlantic").reportedAs(InstanceState.Paused));
    fleet.host("atlantic", h -> h.silentFor(Duration.ofSeconds(1)));

    assertThat(fleet.plan().actions(Action.AbortMigration.class)).isEmpty();

    fleet.host("atlantic", FleetBuilder.Host::back);
    assertThat(fleet.plan().actions(Action.AbortMigration.class)).hasSize(1);
  }

  /**
   * Storage came back while the source was already sending the guest, and the target's report does
   * not show it yet (reports are not taken at one instant). Calling the migration off now would
   * leave the guest, once it lands, on a host its VM does not name, where it is stopped as stale:
   * the guest's memory is lost. The migration runs on; it completes when the target runs it.
   */
  @Test
  void S1_aMigrationTheSourceReportsUnderWayIsNotCalledOffWhenItsStorageComesBack() {
    FleetBuilder fleet = seedTwo();
    fleet.vm(
        "demo/rhel-ha-high",
        v -> v.migratingTo("atlantic").reportedAs(InstanceState.Paused).sendingTo("atlantic"));

    Plan back = fleet.plan();

    assertThat(back.host("pacific").phase()).isEqualTo(HostPhase.Up);
    assertThat(back.actions(Action.AbortMigration.class)).isEmpty();
    assertThat(back.actions(Action.StopInstance.class)).isEmpty();

    fleet.vm("demo/rhel-ha-high", v -> v.notReported().sendingTo(null));
    runsOnAtlantic(fleet, InstanceState.Running);
    Plan landed = fleet.plan();
    assertThat(landed.actions(Action.CompleteMigration.class))
        .containsExactly(new Action.CompleteMigration("demo/rhel-ha-high", "pacific", "atlantic"));
    assertThat(landed.actions(Action.StopInstance.class)).isEmpty();
  }

  /**
   * A migration was called off on reports from before its source began to send the guest, and the
   * hypervisors finished it before the source agent could cancel it. While the source still lists
   * the instance as sent there, the copy on the target is left alone (it may be the guest's only
   * one); once the source no longer runs it, the VM adopts the copy instead of starting afresh.
   */
  @Test
  void S1_aMigrationThatLandsAfterItWasCalledOffIsAdoptedNotStopped() {
    FleetBuilder fleet = seedTwo();
    fleet.vm(
        "demo/rhel-ha-high",
        v -> v.phase(VmPhase.Paused).reportedAs(InstanceState.Paused).sendingTo("atlantic"));
    runsOnAtlantic(fleet, InstanceState.Paused);

    Plan inFlight = fleet.plan();
    assertThat(inFlight.actions(Action.StopInstance.class))
        .as("the guest may be landing there")
        .isEmpty();

    fleet.vm("demo/rhel-ha-high", v -> v.notReported().sendingTo(null));
    Plan landed = fleet.plan();
    assertThat(landed.actions(Action.StopInstance.class)).isEmpty();
    assertThat(landed.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(landed.actions(Action.CompleteMigration.class))
        .containsExactly(new Action.CompleteMigration("demo/rhel-ha-high", "pacific", "atlantic"));
  }

  /**
   * A switch-over whose last step failed: libvirt pauses the source's copy at the switch-over and
   * destroys it once the target confirms, so a source that keeps its copy paused while the target
   * runs the guest lost that confirmation. The running copy is the guest: the VM moves to it and
   * the paused copy is stopped. It was the other way round: the guest, unclaimed on the target, was
   * stopped as stale, and the VM kept a paused copy of older memory.
   */
  @Test
  void S1_aPausedCopyTheSourceKeptAfterTheSwitchOverIsStoppedAndTheGuestOnTheTargetKept() {
    FleetBuilder fleet = seedTwo();
    fleet.vm("demo/rhel-ha-high", v -> v.phase(VmPhase.Running).reportedAs(InstanceState.Paused));
    runsOnAtlantic(fleet, InstanceState.Running);

    Plan switchedOver = fleet.plan();
    assertThat(switchedOver.actions(Action.StopInstance.class))
        .as("the guest runs there")
        .noneMatch(stop -> stop.host().equals("atlantic"));
    assertThat(switchedOver.actions(Action.CompleteMigration.class))
        .containsExactly(new Action.CompleteMigration("demo/rhel-ha-high", "pacific", "atlantic"));

    fleet.host("atlantic", FleetBuilder.Host::clearUntracked);
    fleet.vm("demo/rhel-ha-high", v -> v.runsOn("atlantic", "rhel-ha-high"));
    runsUntrackedOn(fleet, "pacific", InstanceState.Paused);
    assertThat(fleet.plan().actions(Action.StopInstance.class))
        .extracting(Action.StopInstance::host, Action.StopInstance::instanceName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pacific", "rhel-ha-high"));
  }

  /**
   * A copy the operator already recorded stale (left on a host it could not reach when the guest
   * moved away from there) is older memory over disks that moved on: it is not adopted beside the
   * VM's paused copy, however it runs. The fault-sequence properties found this (seed 61595332176).
   */
  @Test
  void S1_aCopyAlreadyRecordedStaleIsNotTakenForTheGuest() {
    FleetBuilder fleet = seedTwo();
    fleet.vm(
        "demo/rhel-ha-high",
        v ->
            v.phase(VmPhase.Paused)
                .reportedAs(InstanceState.Paused)
                .stale("atlantic", "rhel-ha-high"));
    runsOnAtlantic(fleet, InstanceState.Running);

    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.CompleteMigration.class)).isEmpty();
    assertThat(plan.actions(Action.StopInstance.class))
        .extracting(Action.StopInstance::host, Action.StopInstance::instanceName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("atlantic", "rhel-ha-high"));
  }

  /**
   * A copy paused on a migration's target beside the source's running one is an incoming migration
   * that never switched over: the VM stays where it runs.
   */
  @Test
  void S1_aCopyPausedOnTheTargetBesideTheRunningSourceIsNotAdopted() {
    FleetBuilder fleet = seedTwo();
    fleet.vm("demo/rhel-ha-high", v -> v.phase(VmPhase.Running));
    runsOnAtlantic(fleet, InstanceState.Paused);

    assertThat(fleet.plan().actions(Action.CompleteMigration.class)).isEmpty();
  }

  /** A copy under the VM's instance name that its source does not report sending is stale (F4). */
  @Test
  void F4_aCopyOfTheVmsInstanceThatItsHostStillRunsIsStopped() {
    FleetBuilder fleet = seedTwo();
    fleet.vm("demo/rhel-ha-high", v -> v.phase(VmPhase.Running));
    runsOnAtlantic(fleet, InstanceState.Running);

    assertThat(fleet.plan().actions(Action.StopInstance.class))
        .extracting(Action.StopInstance::host, Action.StopInstance::instanceName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("atlantic", "rhel-ha-high"));
  }

  @Test
  void S2_hostLosingItsNetworkIsNonOperationalAndItsVmsMigrate() {
    FleetBuilder fleet = seedTwo();
    fleet.host("pacific", h -> h.networkLost(true));
    Plan plan = fleet.plan();
    assertThat(plan.host("pacific").phase()).isEqualTo(HostPhase.NonOperational);
    assertThat(plan.actions(Action.MigrateVm.class))
        .extracting(Action.MigrateVm::cause)
        .containsOnly(MigrationCause.NetworkLost)
        .hasSize(2);
  }

  @Test
  void S3_spmMovesFromTheRebootedHostToTheRunningOneOnlyAfterTheLeaseExpires() {
    FleetBuilder fleet = fleet().sharedRepository("iscsi-share").host("pacific").host("atlantic");
    Plan first = fleet.plan();
    assertThat(first.actions(Action.AssignSpm.class))
        .containsExactly(new Action.AssignSpm("atlantic"));

    fleet.spmLease("pacific", fleet.now());
    fleet.advance(Duration.ofSeconds(4));
    fleet.host("pacific", h -> h.silentFor(Duration.ofSeconds(4)));
    Plan rebooting = fleet.plan();
    assertThat(rebooting.actions(Action.AssignSpm.class)).as("lease still valid").isEmpty();
    assertThat(rebooting.spmHolder()).isEqualTo("pacific");
    assertThat(rebooting.nextDeadline()).contains(fleet.now().plusSeconds(6));

    fleet.advance(Duration.ofSeconds(6));
    Plan moved = fleet.plan();
    assertThat(moved.actions(Action.AssignSpm.class))
        .containsExactly(new Action.AssignSpm("atlantic"));
    assertThat(moved.host("atlantic").spm()).isTrue();
    assertThat(moved.host("pacific").spm()).isFalse();
  }

  @Test
  void S3_onlyEligibleHostsBecomeSpmPreferringHigherSpmPriority() {
    FleetBuilder fleet =
        fleet()
            .host("a", h -> h.spmPriority(SpmPriority.Never))
            .host("b", h -> h.maintenance(true))
            .host("c", h -> h.storageLost(true))
            .host("d", h -> h.spmPriority(SpmPriority.Low))
            .host("e", h -> h.spmPriority(SpmPriority.High));
    assertThat(fleet.plan().actions(Action.AssignSpm.class))
        .containsExactly(new Action.AssignSpm("e"));
  }

  @Test
  void S3_aQuietHostIsNotChosenWhileARenewingOneIsEligible() {
    // e has gone quiet (agent dead or cut off) but is not judged lost yet: it could not take up
    // the role, and the fleet would wait a lease duration for the next choice
    FleetBuilder fleet =
        fleet()
            .host("d", h -> h.spmPriority(SpmPriority.Low))
            .host("e", h -> h.spmPriority(SpmPriority.High).silentFor(Duration.ofSeconds(5)));
    Plan plan = fleet.plan();
    assertThat(plan.host("e").phase()).isEqualTo(HostPhase.Up);
    assertThat(plan.actions(Action.AssignSpm.class)).containsExactly(new Action.AssignSpm("d"));

    // with every eligible host quiet, the preferred one is still chosen rather than none
    fleet.host("d", h -> h.silentFor(Duration.ofSeconds(5)));
    assertThat(fleet.plan().actions(Action.AssignSpm.class))
        .containsExactly(new Action.AssignSpm("e"));
  }

  @Test
  void S3_spmHostGoingIntoMaintenanceReleasesTheLease() {
    FleetBuilder fleet =
        fleet()
            .host("pacific", h -> h.maintenance(true))
            .host("atlantic")
            .spmLease("pacific", fleet().now());
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.ReleaseSpm.class))
        .containsExactly(new Action.ReleaseSpm("pacific"));
    assertThat(plan.actions(Action.AssignSpm.class)).isEmpty();
  }

  @Test
  void S4_spmHostLosingStorageIsFencedItsVmsMigrateAndTheRoleMovesOnceTheLeaseExpires() {
    FleetBuilder fleet = seedTwo().spmLease("pacific", fleet().now());
    fleet.host("pacific", h -> h.storageLost(true));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.RequestFencing.class))
        .singleElement()
        .extracting(Action.RequestFencing::host)
        .isEqualTo("pacific");
    assertThat(plan.actions(Action.MigrateVm.class)).hasSize(2);
    assertThat(plan.actions(Action.AssignSpm.class)).isEmpty();

    fleet.host("pacific", h -> h.fencingRequested(true).fenced(true));
    Plan fenced = fleet.plan();
    assertThat(fenced.host("pacific").phase()).isEqualTo(HostPhase.Fenced);
    assertThat(fenced.actions(Action.RequestFencing.class)).isEmpty();

    fleet.advance(Duration.ofSeconds(10)); // the fenced agent no longer renews the SPM lease
    assertThat(fleet.plan().actions(Action.AssignSpm.class))
        .containsExactly(new Action.AssignSpm("atlantic"));

    fleet.host("pacific", h -> h.storageLost(false));
    assertThat(fleet.plan().actions(Action.ClearFencing.class))
        .containsExactly(new Action.ClearFencing("pacific"));
  }
}
