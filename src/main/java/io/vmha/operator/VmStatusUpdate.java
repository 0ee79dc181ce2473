package io.vmha.operator;

import io.vmha.api.MigrationStatus;
import io.vmha.api.StaleInstance;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.core.Action;
import io.vmha.core.PlaceCause;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one engine action does to a VirtualMachine's status (the contract is on {@link Action}), and
 * the Event a human would want about it. Pure: the caller writes the result.
 */
final class VmStatusUpdate {
  record Notice(EventRecorder.Type type, String reason, String note) {}

  private VmStatusUpdate() {}

  /** Applies {@code action} to {@code status} in place; returns the event to record, or null. */
  static Notice apply(
      VirtualMachineStatus status, Action action, Instant now, Duration restartWindow) {
    String phaseBefore = status.getPhase();
    Notice notice = update(status, action, now, restartWindow);
    if (!java.util.Objects.equals(phaseBefore, status.getPhase())) {
      status.setPhaseSince(Timestamps.formatPrecise(now));
    }
    return notice;
  }

  private static Notice update(
      VirtualMachineStatus status, Action action, Instant now, Duration restartWindow) {
    String at = Timestamps.format(now);
    if (action instanceof Action.PlaceVm place) {
      String from = status.getHost();
      status.setHost(place.host());
      status.setInstanceName(place.instanceName());
      status.setPhase(VmPhase.Starting.name());
      status.setMigration(null);
      status.setBackoffUntil(null);
      status.setPlacedAt(Timestamps.formatPrecise(now));
      String reason = place.cause().reason();
      status.setReason(reason);
      String message = "instance " + place.instanceName() + " placed on host " + place.host();
      if (place.cause() == PlaceCause.Failover) {
        status.setFailoverCount(count(status.getFailoverCount()) + 1);
        status.setLastFailoverTime(at);
        // a VM that waited without a host (no other host could take it) has no host to name
        message =
            (from == null ? "its host was lost" : "host " + from + " is not responding")
                + ": "
                + message;
      }
      status.setMessage(message);
      return new Notice(EventRecorder.Type.Normal, reason, message);
    }
    if (action instanceof Action.MigrateVm migrate) {
      MigrationStatus migration = new MigrationStatus();
      migration.setSourceHost(migrate.from());
      migration.setTargetHost(migrate.to());
      migration.setCause(migrate.cause().name());
      migration.setStartedAt(Timestamps.formatPrecise(now));
      status.setMigration(migration);
      status.setPhase(VmPhase.Migrating.name());
      status.setReason(Action.MigrateVm.REASON);
      status.setMessage(
          "live-migrating from "
              + migrate.from()
              + " to "
              + migrate.to()
              + " ("
              + migrate.cause()
              + ")");
      return new Notice(EventRecorder.Type.Normal, "MigrationStarted", status.getMessage());
    }
    if (action instanceof Action.CompleteMigration done) {
      status.setHost(done.to());
      status.setMigration(null);
      status.setPhase(VmPhase.Running.name());
      status.setMigrationCount(count(status.getMigrationCount()) + 1);
      status.setLastMigrationTime(at);
      status.setReason(Action.CompleteMigration.REASON);
      status.setMessage("live-migrated from " + done.from() + " to " + done.to());
      return new Notice(EventRecorder.Type.Normal, "Migrated", status.getMessage());
    }
    if (action instanceof Action.AbortMigration abort) {
      status.setMigration(null);
      status.setPhase(abort.phase().name());
      status.setReason(abort.reason());
      status.setMessage(abort.message());
      return new Notice(EventRecorder.Type.Warning, "MigrationAborted", abort.message());
    }
    if (action instanceof Action.UpdateVmPhase update) {
      String before = status.getPhase();
      status.setPhase(update.phase().name());
      status.setReason(update.reason());
      status.setMessage(update.message());
      if (update.phase().name().equals(before)) {
        return null;
      }
      boolean bad = update.phase() == VmPhase.Paused || update.phase() == VmPhase.Failed;
      return new Notice(
          bad ? EventRecorder.Type.Warning : EventRecorder.Type.Normal,
          update.phase().name(),
          update.message());
    }
    if (action instanceof Action.KeepPending pending) {
      boolean changed =
          !VmPhase.Pending.name().equals(status.getPhase())
              || !pending.reason().name().equals(status.getReason());
      status.setPhase(VmPhase.Pending.name());
      status.setHost(null);
      status.setMigration(null);
      status.setReason(pending.reason().name());
      status.setMessage(pending.message());
      return changed
          ? new Notice(EventRecorder.Type.Warning, pending.reason().name(), pending.message())
          : null;
    }
    if (action instanceof Action.RecordFailedAttempt failed) {
      List<io.vmha.api.RestartAttempt> attempts = new ArrayList<>();
      if (status.getRestartAttempts() != null) {
        for (var a : status.getRestartAttempts()) {
          Instant time = Timestamps.parse(a.getTime());
          if (time != null && time.isAfter(now.minus(restartWindow))) {
            attempts.add(a);
          }
        }
      }
      io.vmha.api.RestartAttempt attempt = new io.vmha.api.RestartAttempt();
      attempt.setHost(failed.attempt().host());
      attempt.setInstanceName(status.getInstanceName());
      attempt.setTime(Timestamps.format(failed.attempt().at()));
      attempt.setReason(failed.attempt().reason());
      attempts.add(attempt);
      status.setRestartAttempts(attempts);
      status.setBackoffUntil(Timestamps.format(failed.backoffUntil()));
      status.setHost(null);
      status.setMigration(null);
      status.setPhase(VmPhase.Pending.name());
      status.setReason("BackingOff");
      status.setMessage(failed.message());
      return new Notice(EventRecorder.Type.Warning, "StartFailed", failed.message());
    }
    if (action instanceof Action.MarkFailed failed) {
      status.setPhase(VmPhase.Failed.name());
      status.setHost(null);
      status.setMigration(null);
      status.setReason(failed.reason().name());
      status.setMessage(failed.message());
      return new Notice(EventRecorder.Type.Warning, failed.reason().name(), failed.message());
    }
    if (action instanceof Action.LeaveAlone leave) {
      status.setReason(leave.reason().name());
      status.setMessage(leave.message());
      return new Notice(EventRecorder.Type.Warning, leave.reason().name(), leave.message());
    }
    if (action instanceof Action.RecordStaleInstance stale) {
      List<StaleInstance> list =
          status.getStaleInstances() == null
              ? new ArrayList<>()
              : new ArrayList<>(status.getStaleInstances());
      if (list.stream()
          .noneMatch(
              s ->
                  s.getHost().equals(stale.host())
                      && s.getInstanceName().equals(stale.instanceName()))) {
        list.add(new StaleInstance(stale.host(), stale.instanceName(), at));
      }
      status.setStaleInstances(list);
      return new Notice(
          EventRecorder.Type.Warning,
          "DuplicateRisk",
          "instance "
              + stale.instanceName()
              + " may still run on host "
              + stale.host()
              + ", which lost its agent: stop it there if that host is still up; vmha stops it when the host reports again");
    }
    if (action instanceof Action.ClearStaleInstance gone) {
      if (status.getStaleInstances() != null) {
        List<StaleInstance> list = new ArrayList<>(status.getStaleInstances());
        list.removeIf(
            s ->
                s.getHost().equals(gone.host()) && s.getInstanceName().equals(gone.instanceName()));
        status.setStaleInstances(list.isEmpty() ? null : list);
      }
      return new Notice(
          EventRecorder.Type.Normal,
          "StaleInstanceGone",
          "stale instance " + gone.instanceName() + " no longer runs on host " + gone.host());
    }
    if (action instanceof Action.StopVm) {
      status.setPhase(VmPhase.Stopped.name());
      status.setHost(null);
      status.setMigration(null);
      status.setRestartAttempts(null);
      status.setBackoffUntil(null);
      status.setReason("Stopped");
      status.setMessage("running is false: the instance is stopped");
      return new Notice(EventRecorder.Type.Normal, "Stopped", status.getMessage());
    }
    return null;
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
