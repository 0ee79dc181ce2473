package io.vmha.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/** How the bench does its own work: many requests at once, and waiting for the fleet. */
final class Work {
  private Work() {}

  /**
   * Runs {@code body} for 0 to {@code count - 1} on 16 threads, in chunks so that thousands of
   * requests do not become thousands of tasks; returns when all are done, throws the first failure.
   */
  static void parallel(int count, IntConsumer body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> futures = new ArrayList<>();
      int chunk = Math.max(1, count / 64);
      for (int start = 0; start < count; start += chunk) {
        int from = start;
        int to = Math.min(count, start + chunk);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = from; i < to; i++) {
                    body.accept(i);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Polls {@code condition} until it holds; a run that does not get there is a failed run. */
  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
