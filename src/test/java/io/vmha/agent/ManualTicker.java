package io.vmha.agent;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A monotonic clock that only moves when a test moves it. */
final class ManualTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

  @Override
  public long nanos() {
    return nanos.get();
  }

  long advance(Duration by) {
    return nanos.addAndGet(by.toNanos());
  }
}
