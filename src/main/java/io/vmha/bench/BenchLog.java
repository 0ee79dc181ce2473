package io.vmha.bench;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * The bench's progress lines, each stamped with the seconds since the run began: a reader of a long
 * run's output sees where the time went.
 */
final class BenchLog implements Consumer<String> {
  private final PrintStream out;
  private final long started = System.nanoTime();

  BenchLog(PrintStream out) {
    this.out = out;
  }

  /** Prints {@code line} with its time stamp. */
  @Override
  public void accept(String line) {
    out.printf("[%6.1f s] %s%n", Figures.seconds(System.nanoTime() - started), line);
  }

  double elapsedSeconds() {
    return Figures.seconds(System.nanoTime() - started);
  }
}
