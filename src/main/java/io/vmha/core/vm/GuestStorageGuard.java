package io.vmha.core.vm;

import io.vmha.core.model.InstanceState;
import io.vmha.core.model.StorageErrorPolicy;
import java.time.Duration;

/**
 * What a host agent does with one of its guests about storage (S1, and the storage-error policy
 * E1): pause it while the host's storage is lost; once it is paused for that, its policy decides.
 * AutoResume resumes it when the storage is back; LeavePaused leaves it to an admin; Kill resumes
 * it if the storage is back within {@code killAfter} and stops it if not, unless it is being
 * migrated away (stopping it would end the migration that might still save it). A guest being
 * migrated away is not resumed either, until the operator has called the migration off. The agent
 * and the core's fault-sequence simulation both ask this, so the properties check the agent's rule.
 */
public final class GuestStorageGuard {
  private GuestStorageGuard() {}

  public enum Step {
    NONE,
    PAUSE,
    RESUME,
    STOP
  }

  /**
   * @param storage whether the host reaches its storage now
   * @param state the guest's state
   * @param pausedForStorage whether it is paused because of a storage loss
   * @param policy its VM's storage-error policy; null for a guest no VM placed on this host (not
   *     resumed or stopped by this rule)
   * @param migratingAway whether the operator is moving it to another host
   * @param pausedFor how long it has been paused for the storage loss
   * @param killAfter how long a Kill guest may stay so (the host grace period)
   */
  public static Step decide(
      boolean storage,
      InstanceState state,
      boolean pausedForStorage,
      StorageErrorPolicy policy,
      boolean migratingAway,
      Duration pausedFor,
      Duration killAfter) {
    if (!storage && state == InstanceState.Running) {
      return Step.PAUSE;
    }
    if (!pausedForStorage || state != InstanceState.Paused || policy == null) {
      return Step.NONE;
    }
    if (storage) {
      // one being moved away waits until the operator settles where it runs: an attempt that failed
      // may have switched over (the target runs the guest, the source kept its paused copy), and
      // resuming that copy would run the guest twice. Once the migration is called off it resumes
      return policy == StorageErrorPolicy.LeavePaused || migratingAway ? Step.NONE : Step.RESUME;
    }
    return policy == StorageErrorPolicy.Kill
            && !migratingAway
            && pausedFor.compareTo(killAfter) >= 0
        ? Step.STOP
        : Step.NONE;
  }
}
