package io.vmha.core;

import io.vmha.core.model.RecordedVmStatus;
import io.vmha.core.model.RecordedVmStatus.Attempt;
import io.vmha.core.model.RecordedVmStatus.Migration;
import io.vmha.core.model.RecordedVmStatus.Stale;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * What one engine action means for a VM's status, and the event a human would want about it: the
 * single definition of the VM rows of the action table in {@code docs/core.md}. The operator maps
 * the result onto {@code VirtualMachine.status}; the fault simulation of the core tests keeps it as
 * the recorded status, so the property tests check this very logic. Pure: no clock, no I/O.
 */
public final class VmStatusTransition {

  /** An event on the VM: Warning or Normal, its reason and its note. */
  public record Notice(boolean warning, String reason, String note) {}

  /** The status after the action, and the event to record (null for none). */
  public record Result(RecordedVmStatus status, Notice notice) {}

  private VmStatusTransition() {}

  /**
   * Applies {@code action} to the VM's recorded status {@code before}. {@code now} is the
   * operator's clock; {@code restartWindow} bounds the restart attempts kept. An action that is no
   * {@link Action.VmStatusAction} returns {@code before} and no notice. Whenever the phase changes,
   * {@code phaseSince} becomes {@code now}.
   */
  public static Result apply(
      RecordedVmStatus before, Action action, Instant now, Duration restartWindow) {
    Draft status = new Draft(before);
    Notice notice = change(status, action, now, restartWindow);
    if (status.phase != before.phase()) {
      status.phaseSince = millis(now);
    }
    return new Result(status.build(), notice);
  }

  private static Notice change(Draft status, Action action, Instant now, Duration restartWindow) {
    if (action instanceof Action.PlaceVm place) {
      return place(status, place, now);
    }
    if (action instanceof Action.MigrateVm migrate) {
      status.migration =
          new Migration(migrate.from(), migrate.to(), migrate.cause().name(), millis(now));
      status.line(
          VmPhase.Migrating,
          Action.MigrateVm.REASON,
          "live-migrating from "
              + migrate.from()
              + " to "
              + migrate.to()
              + " ("
              + migrate.cause()
              + ")");
      return normal("MigrationStarted", status.message);
    }
    if (action instanceof Action.CompleteMigration done) {
      status.host = done.to();
      status.migration = null;
      status.migrationCount++;
      status.lastMigrationTime = seconds(now);
      status.line(
          VmPhase.Running,
          Action.CompleteMigration.REASON,
          "live-migrated from " + done.from() + " to " + done.to());
      return normal("Migrated", status.message);
    }
    if (action instanceof Action.AbortMigration abort) {
      status.migration = null;
      status.line(abort.phase(), abort.reason(), abort.message());
      return warning("MigrationAborted", abort.message());
    }
    if (action instanceof Action.UpdateVmPhase update) {
      VmPhase phaseBefore = status.phase;
      status.line(update.phase(), update.reason(), update.message());
      if (update.phase() == phaseBefore) {
        return null;
      }
      boolean bad = update.phase() == VmPhase.Paused || update.phase() == VmPhase.Failed;
      return new Notice(bad, update.phase().name(), update.message());
    }
    if (action instanceof Action.KeepPending pending) {
      boolean changed =
          status.phase != VmPhase.Pending || !pending.reason().name().equals(status.reason);
      if (status.phase == VmPhase.Stopped) {
        // started again (L1): it starts anew, so a wait must not make it look displaced (a
        // Pending VM with a last instance is one whose host was lost)
        status.instanceName = null;
      }
      status.leaveHost(VmPhase.Pending, pending.reason().name(), pending.message());
      return changed ? warning(pending.reason().name(), pending.message()) : null;
    }
    if (action instanceof Action.RecordFailedAttempt failed) {
      List<Attempt> attempts = new ArrayList<>();
      for (Attempt attempt : status.restartAttempts) {
        if (attempt.time() != null && attempt.time().isAfter(now.minus(restartWindow))) {
          attempts.add(attempt);
        }
      }
      attempts.add(
          new Attempt(
              failed.attempt().host(),
              status.instanceName,
              seconds(failed.attempt().at()),
              failed.attempt().reason()));
      status.restartAttempts = attempts;
      status.backoffUntil = seconds(failed.backoffUntil());
      status.leaveHost(VmPhase.Pending, "BackingOff", failed.message());
      return warning("StartFailed", failed.message());
    }
    if (action instanceof Action.MarkFailed failed) {
      status.leaveHost(VmPhase.Failed, failed.reason().name(), failed.message());
      return warning(failed.reason().name(), failed.message());
    }
    if (action instanceof Action.StartOrderTimedOut timedOut) {
      return warning(Action.StartOrderTimedOut.REASON, timedOut.message());
    }
    if (action instanceof Action.LeaveAlone leave) {
      status.line(status.phase, leave.reason().name(), leave.message());
      return warning(leave.reason().name(), leave.message());
    }
    if (action instanceof Action.RecordStaleInstance stale) {
      if (status.staleInstances.stream()
          .noneMatch(
              s ->
                  s.host().equals(stale.host()) && s.instanceName().equals(stale.instanceName()))) {
        status.staleInstances = new ArrayList<>(status.staleInstances);
        status.staleInstances.add(new Stale(stale.host(), stale.instanceName(), seconds(now)));
      }
      return warning(
          "DuplicateRisk",
          "instance "
              + stale.instanceName()
              + " may still run on host "
              + stale.host()
              + ", which lost its agent: stop it there if that host is still up; vmha stops it"
              + " when the host reports again");
    }
    if (action instanceof Action.ClearStaleInstance gone) {
      status.staleInstances = new ArrayList<>(status.staleInstances);
      status.staleInstances.removeIf(
          s -> s.host().equals(gone.host()) && s.instanceName().equals(gone.instanceName()));
      return normal(
          "StaleInstanceGone",
          "stale instance " + gone.instanceName() + " no longer runs on host " + gone.host());
    }
    if (action instanceof Action.StopVm) {
      status.leaveHost(VmPhase.Stopped, "Stopped", "running is false: the instance is stopped");
      status.restartAttempts = List.of();
      status.backoffUntil = null;
      return normal("Stopped", status.message);
    }
    return null;
  }

  private static Notice place(Draft status, Action.PlaceVm place, Instant now) {
    String from = status.host;
    status.host = place.host();
    status.instanceName = place.instanceName();
    status.migration = null;
    status.backoffUntil = null;
    status.placedAt = millis(now);
    String message = "instance " + place.instanceName() + " placed on host " + place.host();
    if (place.cause() == PlaceCause.Failover) {
      status.failoverCount++;
      status.lastFailoverTime = seconds(now);
      // a VM that waited without a host (no other host could take it) has no host to name
      message =
          (from == null ? "its host was lost" : "host " + from + " is not responding")
              + ": "
              + message;
    }
    status.line(VmPhase.Starting, place.cause().reason(), message);
    return normal(status.reason, message);
  }

  private static Notice normal(String reason, String note) {
    return new Notice(false, reason, note);
  }

  private static Notice warning(String reason, String note) {
    return new Notice(true, reason, note);
  }

  /** As recorded with whole seconds. */
  private static Instant seconds(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS);
  }

  /** As recorded with milliseconds. */
  private static Instant millis(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
  }

  /** The status being changed by one action. */
  private static final class Draft {
    VmPhase phase;
    Instant phaseSince;
    String reason;
    String message;
    String host;
    String instanceName;
    Instant placedAt;
    Migration migration;
    List<Stale> staleInstances;
    List<Attempt> restartAttempts;
    Instant backoffUntil;
    int failoverCount;
    Instant lastFailoverTime;
    int migrationCount;
    Instant lastMigrationTime;

    Draft(RecordedVmStatus s) {
      phase = s.phase();
      phaseSince = s.phaseSince();
      reason = s.reason();
      message = s.message();
      host = s.host();
      instanceName = s.instanceName();
      placedAt = s.placedAt();
      migration = s.migration();
      staleInstances = s.staleInstances();
      restartAttempts = s.restartAttempts();
      backoffUntil = s.backoffUntil();
      failoverCount = s.failoverCount();
      lastFailoverTime = s.lastFailoverTime();
      migrationCount = s.migrationCount();
      lastMigrationTime = s.lastMigrationTime();
    }

    /** The status line: phase, reason and message. */
    void line(VmPhase phase, String reason, String message) {
      this.phase = phase;
      this.reason = reason;
      this.message = message;
    }

    /** The VM leaves its host (and any migration target) for {@code phase}. */
    void leaveHost(VmPhase phase, String reason, String message) {
      line(phase, reason, message);
      host = null;
      migration = null;
    }

    RecordedVmStatus build() {
      return new RecordedVmStatus(
          phase,
          phaseSince,
          reason,
          message,
          host,
          instanceName,
          placedAt,
          migration,
          staleInstances,
          restartAttempts,
          backoffUntil,
          failoverCount,
          lastFailoverTime,
          migrationCount,
          lastMigrationTime);
    }
  }
}
