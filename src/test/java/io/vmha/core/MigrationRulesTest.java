package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

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

  @Test
  void aMigrationThatFailedTooOftenIsAbortedWithTheLastError() {
    FleetBuilder fleet = drainingPacific();
    fleet.vm(
        "ops/web",
        v ->
            v.image("nfs")
                .runsOn("pacific", "web")
                .migratingTo("atlantic")
                .migrationFailed(
                    "atlantic", Settings.MIGRATION_ATTEMPTS - 1, "connection refused"));
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
}
