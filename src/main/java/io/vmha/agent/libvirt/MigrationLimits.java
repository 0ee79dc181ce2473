package io.vmha.agent.libvirt;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a live migration may run before the source agent aborts it: {@code progressTimeout}
 * without a new low in the data still to send (a stalled link or a hung target: pre-copy rounds
 * make the remaining data rise and fall, so only a new low counts as progress), and in all {@code
 * maxTimePerGiB} per GiB of guest memory, never less than {@code progressTimeout}. Aborted, the
 * guest runs on where it was and the failure counts towards the operator's bounded attempts.
 */
public record MigrationLimits(Duration progressTimeout, Duration maxTimePerGiB) {
  /** 60 s without progress; 64 s per GiB (a 16 GiB guest may take 17 minutes). */
  public static final MigrationLimits DEFAULT =
      new MigrationLimits(Duration.ofSeconds(60), Duration.ofSeconds(64));

  private static final double GIB = 1024.0 * 1024 * 1024;

  public MigrationLimits {
    Objects.requireNonNull(progressTimeout, "progressTimeout");
    Objects.requireNonNull(maxTimePerGiB, "maxTimePerGiB");
    if (progressTimeout.isNegative() || progressTimeout.isZero()) {
      throw new IllegalArgumentException("the migration progress timeout must be positive");
    }
    if (maxTimePerGiB.isNegative() || maxTimePerGiB.isZero()) {
      throw new IllegalArgumentException("the migration time per GiB must be positive");
    }
  }

  /** The longest a migration of a guest with this much memory may run in all. */
  public Duration maxTime(long memoryBytes) {
    Duration byMemory =
        Duration.ofMillis(Math.round(maxTimePerGiB.toMillis() * (memoryBytes / GIB)));
    return byMemory.compareTo(progressTimeout) < 0 ? progressTimeout : byMemory;
  }
}
