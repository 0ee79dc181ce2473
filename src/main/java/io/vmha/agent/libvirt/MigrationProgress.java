package io.vmha.agent.libvirt;

import java.time.Duration;
import java.util.Optional;

/**
 * One live migration's progress as the source sees it, sample by sample (monotonic time, bytes
 * still to send), and whether it has overrun its {@link MigrationLimits}. Not thread-safe: one
 * watcher samples it.
 */
final class MigrationProgress {
  private final MigrationLimits limits;
  private final long startedNanos;
  private final Duration maxTime;
  private long lowestRemaining = Long.MAX_VALUE;
  private long lastProgressNanos;

  MigrationProgress(MigrationLimits limits, long memoryBytes, long startedNanos) {
    this.limits = limits;
    this.startedNanos = startedNanos;
    this.lastProgressNanos = startedNanos;
    this.maxTime = limits.maxTime(memoryBytes);
  }

  /**
   * Records a sample; the reason to abort, if the migration has run out of time or made no progress
   * for the progress timeout. A sample before the job has any data to send ({@code remaining} 0
   * while setting up) is no progress.
   */
  Optional<String> sample(long nowNanos, long remaining) {
    if (remaining > 0 && remaining < lowestRemaining) {
      lowestRemaining = remaining;
      lastProgressNanos = nowNanos;
    }
    Duration running = Duration.ofNanos(nowNanos - startedNanos);
    if (running.compareTo(maxTime) > 0) {
      return Optional.of(
          "did not finish within "
              + seconds(maxTime)
              + " ("
              + seconds(limits.maxTimePerGiB())
              + " per GiB of memory)");
    }
    Duration stalled = Duration.ofNanos(nowNanos - lastProgressNanos);
    if (stalled.compareTo(limits.progressTimeout()) > 0) {
      return Optional.of(
          "made no progress for "
              + seconds(limits.progressTimeout())
              + (lowestRemaining == Long.MAX_VALUE
                  ? " (no data sent)"
                  : " (" + lowestRemaining / (1024 * 1024) + " MiB still to send)"));
    }
    return Optional.empty();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
  }
}
