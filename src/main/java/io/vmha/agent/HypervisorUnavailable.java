package io.vmha.agent;

/**
 * The hypervisor cannot say what runs on it now: its daemon is down, or it did not answer in time.
 * Unchecked, because an empty answer in its place would tell the operator every instance is gone.
 */
public final class HypervisorUnavailable extends RuntimeException {
  private final boolean late;

  /**
   * @param late the hypervisor is there but did not answer in time (its guests wait on storage,
   *     say), rather than down
   */
  public HypervisorUnavailable(String message, Throwable cause, boolean late) {
    super(message, cause);
    this.late = late;
  }

  /** The hypervisor is there but did not answer in time. */
  public boolean late() {
    return late;
  }
}
