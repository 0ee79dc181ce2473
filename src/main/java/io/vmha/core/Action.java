package io.vmha.core;

import io.vmha.core.model.RestartAttempt;
import io.vmha.core.model.VmPhase;
import java.time.Instant;

/**
 * One thing the operator must write. A plan's actions are ordered: apply them in order. VMs are
 * named by their key {@code namespace/name}, templates likewise, hosts by name.
 *
 * <p>VM actions are emitted only when they would change the recorded status (phase, host, reason,
 * message). Standing orders ({@link StopInstance}) are emitted on every plan while they hold: the
 * operator keeps each host's stop list equal to the latest plan's.
 */
public sealed interface Action {

  // ---- fleet and hosts

  /**
   * Failover is frozen (H5): a Warning event on every host. The {@code FailoverFrozen=True}
   * condition comes from this plan's host health, not from this action.
   */
  record FreezeFailover(String message) implements Action {}

  /**
   * Failover resumes: a Normal event on every host ({@code FailoverFrozen=False} comes from the
   * plan's host health). The operator passes this moment as {@code FleetSnapshot.failoverResumedAt}
   * from now on (hosts still silent then await their self-fence before their VMs are failed over).
   */
  record UnfreezeFailover(String message) implements Action {}

  /**
   * Set {@code status.fencing} ({@code requested}, {@code reason}, {@code requestedAt}) on the
   * host; its agent fences itself (S4).
   */
  record RequestFencing(String host, String reason) implements Action {}

  /**
   * The agent confirmed fencing and the host reaches storage and network again: remove {@code
   * status.fencing}.
   */
  record ClearFencing(String host) implements Action {}

  /**
   * PF2: power the lost host off through its BMC and wait for the BMC to confirm; record it in
   * {@code status.powerFencing} (PoweringOff, then PoweredOff or Failed). Asked again every plan
   * until the record for this outage appears: the operator runs one fence per host at a time.
   */
  record PowerFence(String host, String reason) implements Action {}

  /** PF5: the host renewed its heartbeat after its last power fence: remove the record. */
  record ClearPowerFence(String host) implements Action {}

  /**
   * Write the host into the {@code vmha-spm} Lease (holder, acquire and renew time = now), with
   * optimistic locking on the lease version the snapshot saw; on a conflict, plan again.
   */
  record AssignSpm(String host) implements Action {}

  /**
   * Standing order while the SPM holder goes into maintenance or away: ask it to give the role up
   * (e.g. {@code VmHost.status.spmReleaseRequested}). The holder's agent stops acting as SPM and
   * then clears the lease holder itself; the operator never clears it, as only the agent knows it
   * has stopped. A holder that cannot answer loses the role when the lease expires.
   */
  record ReleaseSpm(String host) implements Action {}

  /**
   * A drain gave up on moving a VM: its migration off {@code host} failed {@code
   * Settings.MIGRATION_ATTEMPTS} times in a row and is aborted in this plan ({@link AbortMigration}
   * with {@link AbortMigration#GAVE_UP}). A Warning event {@link #REASON} on the host, sent once
   * the VM's abort is written (a plan retried after a conflict does not say it twice). The host's
   * {@code Drained=False} condition keeps naming the VM while it stays.
   */
  record DrainGaveUp(String host, String vm, String message) implements Action {
    public static final String REASON = "MigrationFailed";
  }

  /** A deleting host is drained: the operator may remove its finalizer (L3). */
  record RemoveHost(String host) implements Action {}

  /**
   * Advance a template's {@code status.instanceCounter} from {@code expected} to {@code next} with
   * optimistic locking, before any {@link PlaceVm} of that template is written. On a conflict, drop
   * this plan's placements of that template and plan again: a number is never handed out twice
   * (I5); a number written but not used is simply skipped.
   */
  record AdvanceTemplateCounter(String template, long expected, long next) implements Action {}

  /**
   * An action that changes one VM's status, named by its key {@code namespace/name}: what it
   * records there is {@link VmStatusTransition#apply}.
   */
  sealed interface VmStatusAction extends Action {
    String vm();
  }

  // ---- VM placement

  /**
   * Place the VM: {@code status.host}, {@code instanceName}, phase {@code Starting}, reason {@link
   * PlaceCause#reason()}; clear the migration and backoff. {@code cause == Failover}: add one to
   * {@code failoverCount}. {@code templateCounterAfter} is the template counter this name used
   * (null for standalone VMs and returns to a host).
   */
  record PlaceVm(
      String vm,
      String host,
      String instanceName,
      String template,
      Long templateCounterAfter,
      PlaceCause cause)
      implements VmStatusAction {}

  /**
   * Start a live migration: {@code status.migration} (source, target, cause), phase {@code
   * Migrating}, reason {@link #REASON}.
   */
  record MigrateVm(String vm, String from, String to, MigrationCause cause)
      implements VmStatusAction {
    public static final String REASON = "Migrating";
  }

  /**
   * The target runs the instance: {@code host = to}, clear {@code status.migration}, phase {@code
   * Running}, reason {@link #REASON}.
   */
  record CompleteMigration(String vm, String from, String to) implements VmStatusAction {
    public static final String REASON = "Migrated";
  }

  /**
   * The migration cannot finish: clear the target, phase back to what the source runs ({@code
   * Running}, or {@code Paused} when the source instance is paused, e.g. for lost storage); the VM
   * stays on its source. {@code reason}: {@code MigrationAborted} (the target was lost, or the
   * migration called off), or {@link #GAVE_UP} after {@code Settings.MIGRATION_ATTEMPTS} failures
   * in a row: a drain then leaves the VM where it is for {@code Settings.MIGRATION_RETRY_AFTER}.
   */
  record AbortMigration(String vm, String to, VmPhase phase, String reason, String message)
      implements VmStatusAction {
    public static final String GAVE_UP = "MigrationFailed";
  }

  /** Set the phase from what the agent reports; placement unchanged. */
  /**
   * The VM is placed though a VM it waited for (O1) is still not ready: the wait timed out. Changes
   * nothing in the status; a Warning event {@link #REASON} says what it stopped waiting for.
   */
  record StartOrderTimedOut(String vm, String message) implements VmStatusAction {
    public static final String REASON = "StartOrderTimedOut";
  }

  record UpdateVmPhase(String vm, VmPhase phase, String reason, String message)
      implements VmStatusAction {}

  /** Phase {@code Pending} with the reason; clear host and migration target, keep instanceName. */
  record KeepPending(String vm, PendingReason reason, String message) implements VmStatusAction {}

  /**
   * A start failed (F6): append {@code attempt} to {@code status.restartAttempts} (dropping those
   * older than the restart window), set {@code backoffUntil}, clear the host, phase {@code Pending}
   * reason {@code BackingOff}.
   */
  record RecordFailedAttempt(
      String vm, RestartAttempt attempt, Instant backoffUntil, String message)
      implements VmStatusAction {}

  /** Phase {@code Failed}, clear the host; stays until a user acts (F5, F6). */
  record MarkFailed(String vm, FailReason reason, String message) implements VmStatusAction {}

  /**
   * Placement and phase unchanged: the status records only the reason and message (with a Warning
   * event), so a user sees why the VM was not moved.
   */
  record LeaveAlone(String vm, LeaveReason reason, String message) implements VmStatusAction {}

  /** Add to {@code status.staleInstances}, set {@code DuplicateRisk=True}, Warning event (F4). */
  record RecordStaleInstance(String vm, String host, String instanceName)
      implements VmStatusAction {}

  /** Remove from {@code status.staleInstances}; {@code DuplicateRisk=False} when none is left. */
  record ClearStaleInstance(String vm, String host, String instanceName)
      implements VmStatusAction {}

  /**
   * Standing order to the host's agent: stop and remove this instance. The operator keeps {@code
   * VmHost.status.instancesToStop} equal to the current plan's StopInstance actions for the host.
   */
  record StopInstance(String host, String instanceName, String vm, StopReason reason)
      implements Action {}

  /**
   * Phase {@code Stopping} is set through {@link UpdateVmPhase}; this finishes the stop (L1): phase
   * {@code Stopped}, clear host, target, restart attempts and backoff.
   */
  record StopVm(String vm) implements VmStatusAction {}

  /** Every instance of the deleting VM is gone: remove the finalizer (L2). */
  record RemoveVm(String vm) implements Action {}
}
