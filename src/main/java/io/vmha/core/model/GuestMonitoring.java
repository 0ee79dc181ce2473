package io.vmha.core.model;

import java.time.Duration;

/**
 * A VM's monitoring settings (rules.md M1), its own or its template's as a whole.
 *
 * @param failureInterval how long the guest agent must stay silent before the guest is reset
 * @param minUptime how long the guest must have run, since its start or its last reset, before its
 *     silence counts: time to boot and start the guest agent
 * @param maxResets resets within {@code resetWindow} after which the guest is left alone
 * @param resetWindow the window over which {@code maxResets} counts
 */
public record GuestMonitoring(
    Duration failureInterval, Duration minUptime, int maxResets, Duration resetWindow) {

  /** The defaults the CRDs give an enabled monitoring that sets nothing else. */
  public static final GuestMonitoring DEFAULTS =
      new GuestMonitoring(Duration.ofSeconds(30), Duration.ofSeconds(120), 3, Duration.ofHours(1));

  public GuestMonitoring {
    if (maxResets < 1) {
      throw new IllegalArgumentException("maxResets must be at least 1, was " + maxResets);
    }
  }
}
