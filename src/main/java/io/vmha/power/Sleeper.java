package io.vmha.power;

import java.time.Duration;

/** Waits; tests pass one that moves their clock instead. */
@FunctionalInterface
public interface Sleeper {
  Sleeper REAL = duration -> Thread.sleep(duration.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
