package io.vmha.core;

import java.time.Instant;
import java.util.Optional;

/** Collects the earliest future instant at which a plan would change without new input. */
public final class Deadlines {
  private final Instant now;
  private Instant earliest;

  public Deadlines(Instant now) {
    this.now = now;
  }

  public void consider(Instant candidate) {
    if (candidate != null
        && candidate.isAfter(now)
        && (earliest == null || candidate.isBefore(earliest))) {
      earliest = candidate;
    }
  }

  public Optional<Instant> earliest() {
    return Optional.ofNullable(earliest);
  }
}
