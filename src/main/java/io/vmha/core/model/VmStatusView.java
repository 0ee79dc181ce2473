package io.vmha.core.model;

import java.time.Instant;
import java.util.List;

/**
 * A {@code VirtualMachine}'s status as the operator last recorded it.
 *
 * <p>The VM is <em>placed</em> when {@code host} is set: the agent on that host runs {@code
 * instanceName}. While migrating, the agent on {@code migrationTarget} runs it too. {@code
 * instanceName} stays after the VM leaves its host: it is the last instance the VM had.
 *
 * @param phase null for a VM the operator has not recorded yet (treated as a new Pending VM)
 * @param reason the reason of the last decision recorded (phase reason or condition reason)
 * @param message the message that went with it
 * @param phaseSince when the recorded phase began (operator clock); the operator sets it whenever
 *     it writes a different phase; null if unknown
 */
public record VmStatusView(
    VmPhase phase,
    String host,
    String instanceName,
    String migrationTarget,
    List<StaleInstance> staleInstances,
    List<RestartAttempt> restartAttempts,
    Instant backoffUntil,
    int failoverCount,
    String reason,
    String message,
    Instant phaseSince) {
  public static final VmStatusView NEW =
      new VmStatusView(null, null, null, null, List.of(), List.of(), null, 0, null, null, null);

  public VmStatusView {
    staleInstances = staleInstances == null ? List.of() : List.copyOf(staleInstances);
    restartAttempts = restartAttempts == null ? List.of() : List.copyOf(restartAttempts);
  }

  public VmStatusView withPhaseSince(Instant value) {
    return new VmStatusView(
        phase,
        host,
        instanceName,
        migrationTarget,
        staleInstances,
        restartAttempts,
        backoffUntil,
        failoverCount,
        reason,
        message,
        value);
  }

  public boolean isPlaced() {
    return host != null;
  }
}
