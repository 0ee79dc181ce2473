package io.vmha.bench;

import java.util.Map;

/** The operator a benchmark measures: in the bench's own JVM, or alone in a JVM of its own. */
interface OperatorUnderTest extends AutoCloseable {

  /** Requests sent to the API server so far, by "VERB resource" (cumulative). */
  Map<String, Long> requestCounts();

  /** CPU seconds so far, by part (thread group in process; the whole JVM for a child). */
  Map<String, Double> cpuSeconds();

  /** Planning passes so far: count, total and longest seconds ({@code vmha_plan_duration}). */
  PlanStats plans();

  /**
   * Heap in use after a full GC, in MiB, for a child JVM; NaN in process, where the bench measures
   * it as the heap freed by closing the operator.
   */
  double heapAfterGcMiB();

  @Override
  void close();

  record PlanStats(long count, double totalSeconds, double maxSeconds) {}

  /** Writes (any verb but GET) in {@code now} minus {@code before}, by "VERB resource". */
  static Map<String, Long> writesBetween(Map<String, Long> before, Map<String, Long> now) {
    Map<String, Long> delta = new java.util.TreeMap<>();
    now.forEach(
        (key, count) -> {
          long d = count - before.getOrDefault(key, 0L);
          if (d > 0 && !key.startsWith("GET ")) {
            delta.put(key, d);
          }
        });
    return delta;
  }

  /** Reads (GET) in {@code now} minus {@code before}. */
  static long readsBetween(Map<String, Long> before, Map<String, Long> now) {
    long reads = 0;
    for (var e : now.entrySet()) {
      if (e.getKey().startsWith("GET ")) {
        reads += e.getValue() - before.getOrDefault(e.getKey(), 0L);
      }
    }
    return reads;
  }
}
