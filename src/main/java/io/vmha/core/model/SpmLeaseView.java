package io.vmha.core.model;

import java.time.Duration;
import java.time.Instant;

/**
 * The {@code vmha-spm} Lease.
 *
 * @param holder the host holding the role, or null if nobody holds it (or it was released)
 * @param lastRenewSeen when the operator, by its own clock, last saw the lease change
 * @param duration how long the lease is valid after a renewal
 */
public record SpmLeaseView(String holder, Instant lastRenewSeen, Duration duration) {
  public static SpmLeaseView none() {
    return new SpmLeaseView(null, null, null);
  }

  public boolean isExpiredAt(Instant now) {
    return holder == null || !now.isBefore(expiresAt());
  }

  public Instant expiresAt() {
    return lastRenewSeen.plus(duration);
  }
}
