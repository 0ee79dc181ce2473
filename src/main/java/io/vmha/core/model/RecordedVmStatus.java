package io.vmha.core.model;

import java.time.Instant;
import java.util.List;

/**
 * Everything the engine's VM actions decide in a {@code VirtualMachine}'s status, as the operator
 * records it: {@link io.vmha.core.VmStatusTransition} computes it action by action, the operator
 * writes it to {@code VirtualMachine.status} and the simulation keeps it as its recorded status.
 * The engine reads the part of it in {@link VmStatusView} ({@link #view()}).
 *
 * <p>Timestamps are as recorded: whole seconds, except {@code phaseSince}, {@code placedAt} and
 * {@code migration.startedAt}, which keep milliseconds. The conditions, {@code observedGeneration}
 * and {@code appliedResources} are not here: the operator derives them from the VM's spec.
 *
 * @param phase null for a VM nothing was recorded for yet (or an unknown phase)
 * @param phaseSince when the recorded phase began; set whenever an action changes the phase
 * @param migration the live migration in progress, or null
 * @param failoverCount 0 when never counted
 * @param migrationCount 0 when never counted
 */
public record RecordedVmStatus(
    VmPhase phase,
    Instant phaseSince,
    String reason,
    String message,
    String host,
    String instanceName,
    Instant placedAt,
    Migration migration,
    List<Stale> staleInstances,
    List<Attempt> restartAttempts,
    Instant backoffUntil,
    int failoverCount,
    Instant lastFailoverTime,
    int migrationCount,
    Instant lastMigrationTime) {

  /** Nothing recorded yet. */
  public static final RecordedVmStatus NEW =
      new RecordedVmStatus(
          null, null, null, null, null, null, null, null, List.of(), List.of(), null, 0, null, 0,
          null);

  /** {@code status.migration}: the instance moves from {@code sourceHost} to {@code targetHost}. */
  public record Migration(String sourceHost, String targetHost, String cause, Instant startedAt) {}

  /** An entry of {@code status.staleInstances} (F4). */
  public record Stale(String host, String instanceName, Instant since) {}

  /** An entry of {@code status.restartAttempts} (F6). */
  public record Attempt(String host, String instanceName, Instant time, String reason) {}

  public RecordedVmStatus {
    staleInstances = staleInstances == null ? List.of() : List.copyOf(staleInstances);
    restartAttempts = restartAttempts == null ? List.of() : List.copyOf(restartAttempts);
  }

  /** What the engine reads of this status. */
  public VmStatusView view() {
    return new VmStatusView(
        phase,
        host,
        instanceName,
        migration == null ? null : migration.targetHost(),
        staleInstances.stream().map(s -> new StaleInstance(s.host(), s.instanceName())).toList(),
        restartAttempts.stream()
            .map(a -> new RestartAttempt(a.host(), a.time(), a.reason()))
            .toList(),
        backoffUntil,
        failoverCount,
        reason,
        message,
        phaseSince);
  }
}
