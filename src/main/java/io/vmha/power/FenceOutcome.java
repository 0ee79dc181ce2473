package io.vmha.power;

import java.time.Duration;

/**
 * How a power change through a BMC ended.
 *
 * @param message what happened, for an Event or a condition: the BMC's address and, on failure,
 *     what to check
 * @param attempts how many power requests (POSTs) were sent
 * @param duration from the first request to the end
 * @param lastState the last power state the BMC reported ({@link PowerState#Unknown} if none)
 */
public record FenceOutcome(
    Result result, String message, int attempts, Duration duration, PowerState lastState) {

  public enum Result {
    /** The BMC reports the host Off: its VMs may run elsewhere. */
    PoweredOff,
    /** The BMC reports the host On again (only from {@link PowerFence#powerOn}). */
    PoweredOn,
    /** The BMC could not be reached, or did not answer, on any try. */
    Unreachable,
    /** The BMC refused the credentials, or the account may not do this. */
    CredentialsRefused,
    /** The BMC refused the request (wrong system id, unsupported reset type) or failed at it. */
    Refused,
    /** The BMC accepted the request but did not report the new state in time. */
    NotConfirmed
  }

  /**
   * Whether the host is known to be off: the only outcome that makes it safe to restart its VMs.
   */
  public boolean poweredOff() {
    return result == Result.PoweredOff;
  }
}
