package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.health.Condition;
import io.vmha.core.health.ConditionStatus;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A live migration that keeps failing is given up after a bounded number of attempts, with the
 * reason on the VM; a drain then leaves the VM where it is for a while instead of asking for the
 * same failing migration again (before: the host stayed PreparingForMaintenance and its VMs
 * Migrating forever while the agent retried).
 */
class MigrationRulesTest {

  static FleetBuilder drainingPacific() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("atlantic").host("pacific");
    fleet.host("pacific", h -> h.maintenance(true));
    return fleet;
  }

  /** ops/web on draining pacific, its migration to atlantic refused {@code attempts} times. */
  static void webMigrationFailed(FleetBuilder fleet, int attempts) {
    fleet.vm(
        "ops/web",
        v ->
            v.image("nfs")
                .runsOn("pacific", "web")
                .migratingTo("atlantic")
                .migrationFailed("atlantic", attempts, "connection refused"));
  }

  @Test
  void aMigrationThatFailedTooOftenIsAbortedWithTheLastError() {
    FleetBuilder fleet = drainingPacific();
    webMigrationFailed(fleet, Settings.MIGRATION_ATTEMPTS - 1);
    assertThat(fleet.plan().actions(Action.AbortMigration.class)).as("one attempt left").isEmpty();

    fleet
        .vm$("ops/web")
        .migrationFailed("atlantic", Settings.MIGRATION_ATTEMPTS, "connection refused");
    var aborted = fleet.plan().actions(Action.AbortMigration.class);
    assertThat(aborted).hasSize(1);
    assertThat(aborted.get(0).reason()).isEqualTo(Action.AbortMigration.GAVE_UP);
    assertThat(aborted.get(0).phase()).as("its instance runs on").isEqualTo(VmPhase.Running);
    assertThat(aborted.get(0).message())
        .contains("atlantic", Settings.MIGRATION_ATTEMPTS + " times", "connection refused")
        .contains("stays on pacific");
  }

  /**
   * A host that lost its storage pauses its VMs, and QEMU cannot hand a disk over from there: the
   * given-up migration leaves the VM Paused, as its instance is (it said Running until the agent's
   * next report).
   */
  @Test
  void aGivenUpMigrationOfAPausedInstanceLeavesTheVmPaused() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("atlantic").host("pacific");
    fleet.host("pacific", h -> h.storageLost(true));
    fleet.vm(
        "ops/web",
        v ->
            v.image("nfs")
                .runsOn("pacific", "web")
                .migratingTo("atlantic")
                .reportedAs(io.vmha.core.model.InstanceState.Paused)
                .migrationFailed(
                    "atlantic", Settings.MIGRATION_ATTEMPTS, "bdrv_inactivate_all() failed"));
    var aborted = fleet.plan().actions(Action.AbortMigration.class);
    assertThat(aborted).hasSize(1);
    assertThat(aborted.get(0).phase()).isEqualTo(VmPhase.Paused);
  }

  @Test
  void failuresToAnotherTargetDoNotCount() {
    FleetBuilder fleet = drainingPacific().host("indian");
    fleet.vm(
        "ops/web",
        v ->
            v.image("nfs")
                .runsOn("pacific", "web")
                .migratingTo("atlantic")
                .migrationFailed("indian", 99, "an old failure elsewhere"));
    assertThat(fleet.plan().actions(Action.AbortMigration.class)).isEmpty();
  }

  @Test
  void aDrainLeavesAVmItGaveUpOnWhereItIsForAWhileThenTriesAgain() {
    FleetBuilder fleet = drainingPacific();
    fleet.vm(
        "ops/web",
        v ->
            v.image("nfs")
                .runsOn("pacific", "web")
                .phase(VmPhase.Running)
                .statusSince(fleet.now(), Action.AbortMigration.GAVE_UP, "live migration failed"));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.MigrateVm.class)).isEmpty();
    // the status keeps saying why (a line equal to the status is no write at all)
    assertThat(plan.actions(Action.UpdateVmPhase.class))
        .allSatisfy(
            line -> {
              assertThat(line.reason()).isEqualTo(Action.AbortMigration.GAVE_UP);
              assertThat(line.message()).isEqualTo("live migration failed");
            });
    fleet.advance(Settings.MIGRATION_RETRY_AFTER.minus(Duration.ofSeconds(1)));
    assertThat(fleet.plan().actions(Action.MigrateVm.class)).isEmpty();

    fleet.advance(Duration.ofSeconds(2));
    assertThat(fleet.plan().actions(Action.MigrateVm.class))
        .extracting(Action.MigrateVm::to)
        .containsExactly("atlantic");
  }

  /**
   * A host stuck in PreparingForMaintenance said only its phase: its Drained condition names each
   * VM the drain gave up on with the hypervisor's error, from the plan that gives up on as long as
   * the VM stays; the host gets one Warning event per VM given up on.
   */
  @Test
  void aDrainThatGaveUpOnVmsSaysOnTheHostWhichAndWhy() {
    FleetBuilder fleet = drainingPacific();
    webMigrationFailed(fleet, Settings.MIGRATION_ATTEMPTS);
    fleet.vm(
        "ops/db",
        v ->
            v.image("nfs")
                .runsOn("pacific", "db")
                .phase(VmPhase.Running)
                .statusSince(
                    fleet.now(), Action.AbortMigration.GAVE_UP, "live migration failed: EIO"));
    Plan plan = fleet.plan();

    var drained = plan.host("pacific").condition("Drained");
    assertThat(drained.status()).isEqualTo(ConditionStatus.False);
    assertThat(drained.reason()).isEqualTo(Action.AbortMigration.GAVE_UP);
    assertThat(drained.message())
        .startsWith("the drain cannot move 2 VMs. ops/db: live migration failed: EIO. ops/web: ")
        .contains("atlantic", Settings.MIGRATION_ATTEMPTS + " times", "connection refused");
    assertThat(plan.actions(Action.DrainGaveUp.class))
        .as("given up in this plan: ops/web only")
        .singleElement()
        .satisfies(
            gaveUp -> {
              assertThat(gaveUp.host()).isEqualTo("pacific");
              assertThat(gaveUp.vm()).isEqualTo("ops/web");
              assertThat(gaveUp.message())
                  .startsWith("cannot move ops/web off pacific (Maintenance): ")
                  .contains("connection refused");
            });
    assertThat(plan.host("atlantic").condition("Drained"))
        .isEqualTo(new Condition("Drained", ConditionStatus.False, "NotRequested", ""));
  }

  @Test
  void aDrainSaysItIsUnderWayThenDone() {
    FleetBuilder fleet = drainingPacific();
    fleet.vm("ops/web", v -> v.image("nfs").runsOn("pacific", "web").migratingTo("atlantic"));
    var draining = fleet.plan().host("pacific").condition("Drained");
    assertThat(draining.status()).isEqualTo(ConditionStatus.False);
    assertThat(draining.reason()).isEqualTo("Draining");
    assertThat(fleet.plan().actions(Action.DrainGaveUp.class)).isEmpty();

    fleet.removeVm("ops/web");
    assertThat(fleet.plan().host("pacific").condition("Drained"))
        .isEqualTo(
            new Condition("Drained", ConditionStatus.True, "Drained", "no VM is left on the host"));
  }

  /** Deleting a host drains it too, and a VM on local storage is named as well. */
  @Test
  void aDeletedHostNamesTheVmItCannotMigrate() {
    FleetBuilder fleet =
        fleet().sharedRepository("nfs").localRepository("disk", "pacific").host("atlantic");
    fleet.host("pacific", h -> h.deleting());
    fleet.vm("ops/web", v -> v.image("disk").runsOn("pacific", "web").phase(VmPhase.Running));
    var drained = fleet.plan().host("pacific").condition("Drained");
    assertThat(drained.status()).isEqualTo(ConditionStatus.False);
    assertThat(drained.reason()).isEqualTo("CannotMigrate");
    assertThat(drained.message())
        .isEqualTo(
            "the drain cannot move 1 VM. ops/web: must leave host pacific (HostDeleting) but its"
                + " image is on local repository disk: stop it to let the host drain");
  }
}
