package io.vmha.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.VmStatusTransition.Notice;
import io.vmha.core.model.RecordedVmStatus;
import io.vmha.core.model.RecordedVmStatus.Attempt;
import io.vmha.core.model.RecordedVmStatus.Migration;
import io.vmha.core.model.RecordedVmStatus.Stale;
import io.vmha.core.model.RestartAttempt;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What each VM action records in the VM's status and which event it asks for: the rows of the
 * action table in docs/core.md, as a user reads them in {@code kubectl get vm -o yaml}.
 */
class VmStatusTransitionTest {
  static final String VM = "ops/web";
  static final Instant EARLIER = Instant.parse("2025-01-01T00:00:00Z");

  /** The operator's clock has sub-millisecond digits: what is recorded is rounded down. */
  static final Instant NOW = Instant.parse("2025-01-01T00:10:00.123456Z");

  static final Instant NOW_SECONDS = Instant.parse("2025-01-01T00:10:00Z");
  static final Instant NOW_MILLIS = Instant.parse("2025-01-01T00:10:00.123Z");
  static final Duration WINDOW = Duration.ofMinutes(10);

  /** Running on atlantic as web-1, failed over once, migrated twice, one stale copy recorded. */
  static final RecordedVmStatus RUNNING =
      new RecordedVmStatus(
          VmPhase.Running,
          EARLIER,
          "InstanceRunning",
          "the instance runs",
          "atlantic",
          "web-1",
          EARLIER,
          null,
          List.of(new Stale("baltic", "web-0", EARLIER)),
          List.of(new Attempt("pacific", "web-0", EARLIER.plusSeconds(1), "image broken")),
          null,
          1,
          EARLIER,
          2,
          EARLIER);

  static VmStatusTransition.Result apply(RecordedVmStatus before, Action action) {
    return VmStatusTransition.apply(before, action, NOW, WINDOW);
  }

  static RecordedVmStatus pending() {
    return apply(RUNNING, new Action.KeepPending(VM, PendingReason.NoCapacity, "no room")).status();
  }

  /** The status line a user reads first: phase, reason and message. */
  static void assertLine(RecordedVmStatus status, VmPhase phase, String reason, String message) {
    assertThat(status.phase()).isEqualTo(phase);
    assertThat(status.reason()).isEqualTo(reason);
    assertThat(status.message()).isEqualTo(message);
  }

  static RecordedVmStatus migrating(MigrationCause cause) {
    return apply(RUNNING, new Action.MigrateVm(VM, "atlantic", "pacific", cause)).status();
  }

  static RecordedVmStatus backingOff() {
    return apply(
            RUNNING,
            new Action.RecordFailedAttempt(
                VM, new RestartAttempt("atlantic", NOW, "no disk"), NOW.plusSeconds(5), "m"))
        .status();
  }

  @Test
  void placeVmForAFailoverCountsItAndNamesTheLostHost() {
    var result =
        apply(
            RUNNING,
            new Action.PlaceVm(VM, "pacific", "web-2", "ops/web", 2L, PlaceCause.Failover));
    RecordedVmStatus after = result.status();
    assertLine(
        after,
        VmPhase.Starting,
        "FailedOver",
        "host atlantic is not responding: instance web-2 placed on host pacific");
    assertThat(after.phaseSince()).isEqualTo(NOW_MILLIS);
    assertThat(after.host()).isEqualTo("pacific");
    assertThat(after.instanceName()).isEqualTo("web-2");
    assertThat(after.placedAt()).isEqualTo(NOW_MILLIS);
    assertThat(after.failoverCount()).isEqualTo(2);
    assertThat(after.lastFailoverTime()).isEqualTo(NOW_SECONDS);
    assertThat(after.staleInstances()).as("stay").isEqualTo(RUNNING.staleInstances());
    assertThat(after.restartAttempts()).as("stay").isEqualTo(RUNNING.restartAttempts());
    assertThat(result.notice()).isEqualTo(new Notice(false, "FailedOver", after.message()));
  }

  @Test
  void placeVmClearsTheBackoffAndTheMigration() {
    RecordedVmStatus backingOff = backingOff();
    var result =
        apply(
            backingOff, new Action.PlaceVm(VM, "pacific", "web-1", null, null, PlaceCause.Restart));
    RecordedVmStatus after = result.status();
    assertThat(after.backoffUntil()).isNull();
    assertThat(after.migration()).isNull();
    assertThat(after.reason()).isEqualTo("Restarted");
    assertThat(after.message()).isEqualTo("instance web-1 placed on host pacific");
    assertThat(after.failoverCount()).as("not a failover").isEqualTo(1);
    assertThat(after.lastFailoverTime()).isEqualTo(EARLIER);
    assertThat(result.notice()).isEqualTo(new Notice(false, "Restarted", after.message()));
  }

  @Test
  void placeVmForAFailoverOfAVmWithoutHostSaysItsHostWasLost() {
    var result =
        apply(
            pending(),
            new Action.PlaceVm(VM, "pacific", "web-2", "ops/web", 2L, PlaceCause.Failover));
    assertThat(result.status().message())
        .isEqualTo("its host was lost: instance web-2 placed on host pacific");
  }

  @Test
  void migrateVmRecordsTheMigrationAndKeepsTheSource() {
    var result =
        apply(RUNNING, new Action.MigrateVm(VM, "atlantic", "pacific", MigrationCause.StorageLost));
    RecordedVmStatus after = result.status();
    assertThat(after.migration())
        .isEqualTo(new Migration("atlantic", "pacific", "StorageLost", NOW_MILLIS));
    assertThat(after.host()).isEqualTo("atlantic");
    assertLine(
        after,
        VmPhase.Migrating,
        "Migrating",
        "live-migrating from atlantic to pacific (StorageLost)");
    assertThat(after.phaseSince()).isEqualTo(NOW_MILLIS);
    assertThat(after.view().migrationTarget()).isEqualTo("pacific");
    assertThat(result.notice()).isEqualTo(new Notice(false, "MigrationStarted", after.message()));
  }

  @Test
  void completeMigrationMovesTheVmAndCountsIt() {
    RecordedVmStatus migrating = migrating(MigrationCause.Maintenance);
    var result = apply(migrating, new Action.CompleteMigration(VM, "atlantic", "pacific"));
    RecordedVmStatus after = result.status();
    assertThat(after.host()).isEqualTo("pacific");
    assertThat(after.instanceName()).as("a migration keeps the name").isEqualTo("web-1");
    assertThat(after.migration()).isNull();
    assertLine(after, VmPhase.Running, "Migrated", "live-migrated from atlantic to pacific");
    assertThat(after.migrationCount()).isEqualTo(3);
    assertThat(after.lastMigrationTime()).isEqualTo(NOW_SECONDS);
    assertThat(after.failoverCount()).as("not a failover").isEqualTo(1);
    assertThat(result.notice()).isEqualTo(new Notice(false, "Migrated", after.message()));
  }

  @Test
  void abortMigrationLeavesTheVmOnItsSourceInTheGivenPhase() {
    RecordedVmStatus migrating = migrating(MigrationCause.StorageLost);
    var result =
        apply(
            migrating,
            new Action.AbortMigration(
                VM, "pacific", VmPhase.Paused, Action.AbortMigration.GAVE_UP, "refused"));
    RecordedVmStatus after = result.status();
    assertThat(after.migration()).isNull();
    assertThat(after.host()).isEqualTo("atlantic");
    assertLine(after, VmPhase.Paused, "MigrationFailed", "refused");
    assertThat(after.migrationCount()).as("not counted").isEqualTo(2);
    assertThat(result.notice()).isEqualTo(new Notice(true, "MigrationAborted", "refused"));
  }

  @Test
  void updateVmPhaseKeepsThePlacementAndNamesAnEventOnlyForANewPhase() {
    var paused =
        apply(RUNNING, new Action.UpdateVmPhase(VM, VmPhase.Paused, "InstancePaused", "paused"));
    assertThat(paused.status().phase()).isEqualTo(VmPhase.Paused);
    assertThat(paused.status().phaseSince()).isEqualTo(NOW_MILLIS);
    assertThat(paused.status().host()).isEqualTo("atlantic");
    assertThat(paused.status().instanceName()).isEqualTo("web-1");
    assertThat(paused.status().reason()).isEqualTo("InstancePaused");
    assertThat(paused.status().message()).isEqualTo("paused");
    assertThat(paused.notice()).isEqualTo(new Notice(true, "Paused", "paused"));

    var stopping =
        apply(RUNNING, new Action.UpdateVmPhase(VM, VmPhase.Stopping, "StopRequested", "stop"));
    assertThat(stopping.notice()).isEqualTo(new Notice(false, "Stopping", "stop"));

    var same =
        apply(RUNNING, new Action.UpdateVmPhase(VM, VmPhase.Running, "CannotMigrate", "stuck"));
    assertThat(same.status().reason()).isEqualTo("CannotMigrate");
    assertThat(same.status().phaseSince()).as("the phase did not change").isEqualTo(EARLIER);
    assertThat(same.notice()).isNull();
  }

  @Test
  void keepPendingRemovesTheHostAndWarnsOnlyWhenTheReasonChanges() {
    RecordedVmStatus migrating = migrating(MigrationCause.StorageLost);
    var result = apply(migrating, new Action.KeepPending(VM, PendingReason.NoCapacity, "no room"));
    RecordedVmStatus after = result.status();
    assertLine(after, VmPhase.Pending, "NoCapacity", "no room");
    assertThat(after.host()).isNull();
    assertThat(after.migration()).isNull();
    assertThat(after.instanceName()).as("kept").isEqualTo("web-1");
    assertThat(after.restartAttempts()).as("kept").isEqualTo(RUNNING.restartAttempts());
    assertThat(result.notice()).isEqualTo(new Notice(true, "NoCapacity", "no room"));

    var newMessage =
        apply(after, new Action.KeepPending(VM, PendingReason.NoCapacity, "still no room"));
    assertThat(newMessage.status().message()).isEqualTo("still no room");
    assertThat(newMessage.notice()).as("a new message alone").isNull();

    var newReason =
        apply(after, new Action.KeepPending(VM, PendingReason.WaitingForHost, "waiting"));
    assertThat(newReason.notice()).isEqualTo(new Notice(true, "WaitingForHost", "waiting"));
  }

  @Test
  void recordFailedAttemptAppendsWithinTheWindowAndBacksOffInWholeSeconds() {
    RecordedVmStatus old =
        new RecordedVmStatus(
            VmPhase.Starting,
            EARLIER,
            "Placed",
            "placed",
            "atlantic",
            "web-1",
            EARLIER,
            null,
            List.of(),
            List.of(
                new Attempt("baltic", "web-0", NOW.minus(WINDOW), "too old"),
                new Attempt("pacific", "web-0", NOW.minus(WINDOW).plusSeconds(1), "recent")),
            null,
            0,
            null,
            0,
            null);
    var result =
        apply(
            old,
            new Action.RecordFailedAttempt(
                VM,
                new RestartAttempt("atlantic", NOW, "image broken"),
                NOW.plusMillis(5_900),
                "start failed on atlantic: image broken"));
    RecordedVmStatus after = result.status();
    assertThat(after.restartAttempts())
        .containsExactly(
            new Attempt("pacific", "web-0", NOW.minus(WINDOW).plusSeconds(1), "recent"),
            new Attempt("atlantic", "web-1", NOW_SECONDS, "image broken"));
    assertThat(after.backoffUntil())
        .as("recorded in whole seconds, rounded down")
        .isEqualTo(Instant.parse("2025-01-01T00:10:06Z"));
    assertThat(after.host()).isNull();
    assertThat(after.instanceName()).isEqualTo("web-1");
    assertLine(after, VmPhase.Pending, "BackingOff", "start failed on atlantic: image broken");
    assertThat(result.notice())
        .isEqualTo(new Notice(true, "StartFailed", "start failed on atlantic: image broken"));
  }

  @Test
  void markFailedRemovesTheHostAndKeepsTheHistory() {
    var result =
        apply(RUNNING, new Action.MarkFailed(VM, FailReason.HostFailed, "host atlantic failed"));
    RecordedVmStatus after = result.status();
    assertLine(after, VmPhase.Failed, "HostFailed", "host atlantic failed");
    assertThat(after.host()).isNull();
    assertThat(after.instanceName()).isEqualTo("web-1");
    assertThat(after.restartAttempts()).isEqualTo(RUNNING.restartAttempts());
    assertThat(result.notice()).isEqualTo(new Notice(true, "HostFailed", "host atlantic failed"));
  }

  @Test
  void leaveAloneChangesOnlyReasonAndMessage() {
    var result =
        apply(RUNNING, new Action.LeaveAlone(VM, LeaveReason.GuestAgentAlive, "guest answers"));
    assertThat(result.notice()).isEqualTo(new Notice(true, "GuestAgentAlive", "guest answers"));
    assertThat(result.status().host()).isEqualTo("atlantic");
    assertThat(result.status().phaseSince()).as("the phase did not change").isEqualTo(EARLIER);
    assertLine(result.status(), VmPhase.Running, "GuestAgentAlive", "guest answers");
  }

  @Test
  void recordStaleInstanceAddsItOnceAndLeavesTheStatusLine() {
    var result = apply(RUNNING, new Action.RecordStaleInstance(VM, "atlantic", "web-1"));
    RecordedVmStatus after = result.status();
    assertThat(after.staleInstances())
        .containsExactly(
            new Stale("baltic", "web-0", EARLIER), new Stale("atlantic", "web-1", NOW_SECONDS));
    assertLine(after, RUNNING.phase(), RUNNING.reason(), RUNNING.message());
    assertThat(result.notice().warning()).isTrue();
    assertThat(result.notice().reason()).isEqualTo("DuplicateRisk");
    assertThat(result.notice().note()).contains("web-1", "atlantic");

    var again =
        VmStatusTransition.apply(
            after,
            new Action.RecordStaleInstance(VM, "atlantic", "web-1"),
            NOW.plusSeconds(60),
            WINDOW);
    assertThat(again.status().staleInstances()).as("once").isEqualTo(after.staleInstances());
  }

  @Test
  void clearStaleInstanceRemovesIt() {
    var result = apply(RUNNING, new Action.ClearStaleInstance(VM, "baltic", "web-0"));
    assertThat(result.status().staleInstances()).isEmpty();
    assertThat(result.status().view().staleInstances()).isEmpty();
    assertThat(result.status().reason()).isEqualTo(RUNNING.reason());
    assertThat(result.notice())
        .isEqualTo(
            new Notice(
                false, "StaleInstanceGone", "stale instance web-0 no longer runs on host baltic"));
  }

  @Test
  void stopVmRemovesHostAttemptsAndBackoffButKeepsTheName() {
    RecordedVmStatus backingOff = backingOff();
    var result = apply(backingOff, new Action.StopVm(VM));
    RecordedVmStatus after = result.status();
    assertLine(after, VmPhase.Stopped, "Stopped", "running is false: the instance is stopped");
    assertThat(after.host()).isNull();
    assertThat(after.migration()).isNull();
    assertThat(after.restartAttempts()).isEmpty();
    assertThat(after.backoffUntil()).isNull();
    assertThat(after.instanceName()).isEqualTo("web-1");
    assertThat(result.notice())
        .isEqualTo(new Notice(false, "Stopped", "running is false: the instance is stopped"));
  }

  @Test
  void actionsOfNoVmLeaveTheStatusAlone() {
    for (Action action :
        List.of(
            new Action.StopInstance("atlantic", "web-1", VM, StopReason.Stale),
            new Action.RemoveVm(VM),
            new Action.AssignSpm("atlantic"))) {
      assertThat(action).isNotInstanceOf(Action.VmStatusAction.class);
      var result = apply(RUNNING, action);
      assertThat(result.status()).isEqualTo(RUNNING);
      assertThat(result.notice()).isNull();
    }
  }

  @Test
  void aNewVmGetsItsFirstPhaseSince() {
    var result =
        apply(
            RecordedVmStatus.NEW,
            new Action.KeepPending(VM, PendingReason.NoHostAvailable, "no host"));
    assertThat(result.status().phase()).isEqualTo(VmPhase.Pending);
    assertThat(result.status().phaseSince()).isEqualTo(NOW_MILLIS);
    assertThat(result.status().instanceName()).isNull();
  }

  /**
   * A stopped VM started again (L1) that must wait forgets its last instance: it is not displaced,
   * and its placement is a first start, not a failover (the old code kept the name, so the
   * placement after the wait was recorded and counted as a failover).
   */
  @Test
  void aStoppedVmThatWaitsToStartAgainForgetsItsLastInstance() {
    RecordedVmStatus stopped = apply(RUNNING, new Action.StopVm(VM)).status();
    assertThat(stopped.phase()).isEqualTo(VmPhase.Stopped);

    RecordedVmStatus waiting =
        apply(stopped, new Action.KeepPending(VM, PendingReason.NoCapacity, "no room")).status();
    assertThat(waiting.phase()).isEqualTo(VmPhase.Pending);
    assertThat(waiting.instanceName()).isNull();
    assertThat(pending().instanceName())
        .as("a VM displaced from its host keeps it")
        .isEqualTo("web-1");
  }
}
