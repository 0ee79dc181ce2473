package io.vmha.core.model;

import java.time.Duration;

/**
 * When a VM counts as started for the VMs that wait for it: lower priority tiers restarting after a
 * failure, and VMs that name it in {@code startAfter} (issue 17, docs/rules.md O1).
 *
 * @param readyWhen Running, or GuestReady (its guest agent answers the host's ping too)
 * @param postReadyDelay how long it must have been ready
 * @param timeout how long those waiting wait at most, from when its current phase began
 */
public record StartReadiness(ReadyWhen readyWhen, Duration postReadyDelay, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  /** What a VM that sets no readiness is held to by the VMs that name it in startAfter. */
  public static final StartReadiness RUNNING =
      new StartReadiness(ReadyWhen.Running, Duration.ZERO, DEFAULT_TIMEOUT);

  public enum ReadyWhen {
    Running,
    GuestReady
  }

  public StartReadiness {
    readyWhen = readyWhen == null ? ReadyWhen.Running : readyWhen;
    postReadyDelay = postReadyDelay == null ? Duration.ZERO : postReadyDelay;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
  }
}
