package io.vmha.agent;

import java.time.Clock;
import java.time.Instant;

/**
 * Monotonic time in nanoseconds: what the fencing clock counts in (R2). A wall clock can be set
 * back or jump forward (NTP, an operator's {@code date}), and a renewal that looked fresh by the
 * wall clock may be long overdue; {@link System#nanoTime()} only moves forward, and on Linux it is
 * {@code CLOCK_MONOTONIC}, shared by every process since boot, so an agent restarted on the same
 * boot can compare it with what its journal recorded.
 */
@FunctionalInterface
public interface Ticker {
  long nanos();

  /** The JVM's monotonic clock. */
  static Ticker system() {
    return System::nanoTime;
  }

  /**
   * A ticker that follows {@code clock}: the system's monotonic one for the system clock, the
   * clock's own instants for a test's hand-moved clock.
   */
  static Ticker following(Clock clock) {
    if (clock.equals(Clock.systemUTC()) || clock.equals(Clock.systemDefaultZone())) {
      return system();
    }
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }
}
