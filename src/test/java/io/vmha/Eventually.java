package io.vmha;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;

/**
 * The one "eventually" of the tests: a condition that must come to hold within 30 s; an exception
 * (an object not there yet, an API server between answers) counts as "not yet". Assertions read
 * from an API server are asked every 200 ms; conditions on in-process state, where a test times
 * what it waits for, every 20 ms.
 */
public final class Eventually {
  private Eventually() {}

  /** Within 30 s. */
  public static void eventually(ThrowingRunnable assertion) {
    eventually(Duration.ofSeconds(30), assertion);
  }

  /** In-process conditions: {@code eventually().until(...)}, asked every 20 ms. */
  public static ConditionFactory eventually() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptions();
  }

  public static void eventually(Duration atMost, ThrowingRunnable assertion) {
    Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(assertion);
  }
}
