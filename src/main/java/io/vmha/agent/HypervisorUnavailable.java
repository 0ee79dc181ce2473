package io.vmha.agent;

/**
 * The hypervisor cannot say what runs on it now: its daemon is down, or it did not answer in time.
 * Unchecked, because an empty answer in its place would tell the operator every instance is gone.
 */
public final class HypervisorUnavailable extends RuntimeException {
  public HypervisorUnavailable(String message, Throwable cause) {
    super(message, cause);
  }
}
