package io.vmha.bench;

import io.vmha.kube.ApiRequestTimer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agents' heartbeat renewals by phase of the run (cold start, baseline, quiet, failover):
 * request duration percentiles, how many the API server refused with 429 (API Priority and
 * Fairness), failed otherwise or never answered within the deadline. A renewal belongs to the phase
 * in which it was sent. A phase may be made of several spans (the quiet before and after the
 * baseline).
 */
final class HeartbeatLatency {
  private final ApiRequestTimer timer;
  private final Map<String, List<long[]>> phases = new LinkedHashMap<>();

  HeartbeatLatency(ApiRequestTimer timer) {
    this.timer = timer;
  }

  /** Renewals sent from {@code fromNanos} to {@code toNanos} count in {@code phase}. */
  synchronized void mark(String phase, long fromNanos, long toNanos) {
    phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(new long[] {fromNanos, toNanos});
  }

  /**
   * Per phase: count (sent), min/p50/p90/p99/max in ms of the answered ones, rejected429, failed
   * (other non-2xx answers) and unanswered.
   */
  synchronized Map<String, Map<String, Double>> byPhase() {
    List<ApiRequestTimer.Sample> samples = timer.samples();
    List<Long> sent = timer.sent();
    Map<String, Map<String, Double>> result = new LinkedHashMap<>();
    phases.forEach(
        (phase, spans) -> {
          List<Long> ok = new ArrayList<>();
          long answered = 0;
          long rejected = 0;
          long failed = 0;
          for (ApiRequestTimer.Sample s : samples) {
            if (!within(spans, s.sentNanos())) {
              continue;
            }
            answered++;
            if (s.code() == 429) {
              rejected++;
            } else if (s.code() >= 300) {
              failed++;
            } else {
              ok.add(s.nanos());
            }
          }
          long count = sent.stream().filter(t -> within(spans, t)).count();
          Map<String, Double> figures = new LinkedHashMap<>();
          figures.put("count", (double) count);
          figures.putAll(Figures.percentiles(ok));
          figures.put("rejected429", (double) rejected);
          figures.put("failed", (double) failed);
          figures.put("unanswered", (double) Math.max(0, count - answered));
          result.put(phase, figures);
        });
    return result;
  }

  /** How many renewals each FlowSchema classified, by name (by UID if the name is unknown). */
  Map<String, Long> flowSchemas(Map<String, String> namesByUid) {
    Map<String, Long> counts = new TreeMap<>();
    for (ApiRequestTimer.Sample s : timer.samples()) {
      String uid = s.flowSchemaUid();
      String name = uid == null ? "(none)" : namesByUid.getOrDefault(uid, uid);
      counts.merge(name, 1L, Long::sum);
    }
    return counts;
  }

  private static boolean within(List<long[]> spans, long t) {
    for (long[] span : spans) {
      if (t >= span[0] && t < span[1]) {
        return true;
      }
    }
    return false;
  }

  /** One line per phase for the printed summary. */
  static String describe(String phase, Map<String, Double> f) {
    if (f.get("p50") == null) {
      return String.format(
          "heartbeats %s: %.0f sent, none answered with success (%.0f rejected 429, %.0f failed,"
              + " %.0f unanswered)",
          phase, f.get("count"), f.get("rejected429"), f.get("failed"), f.get("unanswered"));
    }
    return String.format(
        "heartbeats %s: %.0f renewals, p50 %.1f / p99 %.1f / max %.1f ms; %.0f rejected 429,"
            + " %.0f failed, %.0f unanswered",
        phase,
        f.get("count"),
        f.get("p50"),
        f.get("p99"),
        f.get("max"),
        f.get("rejected429"),
        f.get("failed"),
        f.get("unanswered"));
  }
}
