package io.vmha.core.model;

import java.util.Objects;

/**
 * One instance the host agent runs, as it reports it. The agent reports the resources it gave the
 * instance so that instances nothing tracks any more (stale, orphaned) still count against the
 * host's capacity until they are stopped.
 *
 * @param vmKey the VM as {@code namespace/name}; {@code ""} for an instance vmha did not start (a
 *     domain without vmha's metadata): the one way core says "no VM"
 * @param failureReason why the instance failed or stopped, when the agent knows; may be null
 * @param migrationFailure live migrations of it that failed in a row; null if none
 * @param guestAgentAnswers whether its guest agent last answered the host's ping; null where the
 *     host does not ask
 * @param migratingTo the host the agent is live-migrating it to, from the start of the migration
 *     until its hypervisor no longer lists it here; null otherwise. While it is set the guest may
 *     land on that host at any moment, whatever the target has reported so far.
 */
public record InstanceReport(
    String instanceName,
    String vmKey,
    InstanceState state,
    Resources resources,
    String failureReason,
    MigrationFailure migrationFailure,
    Boolean guestAgentAnswers,
    String migratingTo) {
  public InstanceReport(
      String instanceName,
      String vmKey,
      InstanceState state,
      Resources resources,
      String failureReason) {
    this(instanceName, vmKey, state, resources, failureReason, null, null, null);
  }

  public InstanceReport {
    Objects.requireNonNull(instanceName, "instanceName");
    Objects.requireNonNull(vmKey, "vmKey");
    Objects.requireNonNull(state, "state");
    resources = resources == null ? Resources.ZERO : resources;
  }

  /** An instance vmha did not start: it counts against capacity, and vmha never stops it. */
  public boolean isForeign() {
    return vmKey.isEmpty();
  }

  /** Whether the instance occupies host resources (a failed or stopped one does not). */
  public boolean isActive() {
    return state == InstanceState.Starting
        || state == InstanceState.Running
        || state == InstanceState.Paused;
  }

  /** Whether its agent reports a live migration of it to {@code host} under way. */
  public boolean isMigratingTo(String host) {
    return host != null && host.equals(migratingTo);
  }
}
