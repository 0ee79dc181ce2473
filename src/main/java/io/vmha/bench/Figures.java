package io.vmha.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How the bench turns {@code System.nanoTime} spans and request counts into what it reports. */
final class Figures {
  private Figures() {}

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** Milliseconds to a tenth: finer would be noise. */
  static double millis(long nanos) {
    return Math.round(nanos / 1e5) / 10.0;
  }

  /** min, p50, p90, p99 and max in milliseconds (nearest rank); empty for no samples. */
  static Map<String, Double> percentiles(List<Long> nanos) {
    Map<String, Double> p = new LinkedHashMap<>();
    if (nanos.isEmpty()) {
      return p;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    p.put("min", millis(sorted.get(0)));
    p.put("p50", millis(sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1)));
    p.put("p90", millis(sorted.get((int) Math.ceil(0.90 * sorted.size()) - 1)));
    p.put("p99", millis(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)));
    p.put("max", millis(sorted.get(sorted.size() - 1)));
    return p;
  }

  /** All requests but reads, from counts by "VERB resource". */
  static long writes(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .filter(e -> !e.getKey().startsWith("GET "))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }
}
