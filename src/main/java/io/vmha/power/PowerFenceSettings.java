package io.vmha.power;

import java.time.Duration;

/**
 * How a fence talks to a BMC.
 *
 * @param requestTimeout how long one request to the BMC may take
 * @param pollEvery how often the power state is read after the power-off was accepted; it is also
 *     the first wait before a POST is tried again (doubled for each further try)
 * @param confirmWithin how long the BMC has, once it accepted the power-off, to report Off
 * @param postAttempts how many times the power-off is sent when the BMC is out of reach or fails
 */
public record PowerFenceSettings(
    Duration requestTimeout, Duration pollEvery, Duration confirmWithin, int postAttempts) {

  /**
   * 5 s per request, a read every 250 ms, 60 s to report Off (servers take seconds to drop power,
   * and some BMCs report the change late), 3 tries of the power-off.
   */
  public static PowerFenceSettings defaults() {
    return new PowerFenceSettings(
        Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(60), 3);
  }

  /** These settings, or why they cannot work. */
  public PowerFenceSettings validate() {
    positive("requestTimeout", requestTimeout);
    positive("pollEvery", pollEvery);
    positive("confirmWithin", confirmWithin);
    if (postAttempts < 1) {
      throw new IllegalArgumentException("postAttempts must be at least 1, not " + postAttempts);
    }
    if (pollEvery.compareTo(confirmWithin) > 0) {
      throw new IllegalArgumentException(
          "pollEvery (" + pollEvery + ") is longer than confirmWithin (" + confirmWithin + ")");
    }
    return this;
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, not " + value);
    }
  }
}
