package io.vmha.bench;

import io.vmha.kube.ApiRequestTimer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The agents' heartbeat renewals by phase of the run (cold start, baseline, quiet, failover). A
 * renewal is two requests: Fabric8 reads the Lease before it sends the merge patch ({@code
 * withName(..).patch(PatchContext, String)} calls {@code getItemOrRequireFromServer}), so it lasts
 * from the read's sending to the patch's answer; the patch alone is reported too. Per phase: how
 * many renewals, their latency, how many requests the API server refused with 429 (API Priority and
 * Fairness), failed otherwise or never answered within the deadline. A renewal belongs to the phase
 * in which it began. A phase may be made of several spans (the quiet before and after the
 * baseline).
 */
final class HeartbeatLatency {
  /** A read this long before a patch of the same Lease is no longer the patch's own. */
  private static final long PAIRED_WITHIN = Duration.ofMillis(100).toNanos();

  private final ApiRequestTimer timer;
  private final Map<String, List<long[]>> phases = new LinkedHashMap<>();

  HeartbeatLatency(ApiRequestTimer timer) {
    this.timer = timer;
  }

  /** Renewals begun from {@code fromNanos} to {@code toNanos} count in {@code phase}. */
  synchronized void mark(String phase, long fromNanos, long toNanos) {
    phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(new long[] {fromNanos, toNanos});
  }

  /** One renewal: when its read was sent (its patch's, without one), and its patch. */
  private record Renewal(long began, ApiRequestTimer.Sample patch) {}

  /**
   * Per phase: count (renewals whose patch was sent), min/p50/p90/p99/max ms of those answered 2xx
   * (read and patch), patchP50/patchP99/patchMax (the patch alone), and of the reads and patches
   * sent: rejected429, failed (other non-2xx answers), unanswered.
   */
  synchronized Map<String, Map<String, Double>> byPhase() {
    List<ApiRequestTimer.Sample> samples = timer.samples();
    List<Renewal> renewals = renewals(samples);
    List<ApiRequestTimer.Sent> sent = timer.sent();
    Map<String, Map<String, Double>> result = new LinkedHashMap<>();
    phases.forEach(
        (phase, spans) -> {
          List<Long> whole = new ArrayList<>();
          List<Long> patches = new ArrayList<>();
          long count = 0;
          for (Renewal r : renewals) {
            if (within(spans, r.began())) {
              count++;
              if (r.patch().code() < 300) {
                whole.add(r.patch().answeredNanos() - r.began());
                patches.add(r.patch().nanos());
              }
            }
          }
          long answered = 0;
          long rejected = 0;
          long failed = 0;
          for (ApiRequestTimer.Sample s : samples) {
            if (within(spans, s.sentNanos())) {
              answered++;
              if (s.code() == 429) {
                rejected++;
              } else if (s.code() >= 300) {
                failed++;
              }
            }
          }
          long requests = sent.stream().filter(t -> within(spans, t.nanos())).count();
          Map<String, Double> figures = new LinkedHashMap<>();
          figures.put("count", (double) count);
          figures.putAll(Figures.percentiles(whole));
          Map<String, Double> patch = Figures.percentiles(patches);
          for (String p : List.of("p50", "p99", "max")) {
            if (patch.containsKey(p)) {
              figures.put("patch" + p.substring(0, 1).toUpperCase() + p.substring(1), patch.get(p));
            }
          }
          figures.put("rejected429", (double) rejected);
          figures.put("failed", (double) failed);
          figures.put("unanswered", (double) Math.max(0, requests - answered));
          result.put(phase, figures);
        });
    return result;
  }

  /** Each patch with the successful read of the same Lease just before it, if there was one. */
  private static List<Renewal> renewals(List<ApiRequestTimer.Sample> samples) {
    List<Renewal> renewals = new ArrayList<>();
    Map<String, List<ApiRequestTimer.Sample>> byLease =
        samples.stream().collect(Collectors.groupingBy(ApiRequestTimer.Sample::path));
    for (List<ApiRequestTimer.Sample> lease : byLease.values()) {
      lease.sort(Comparator.comparingLong(ApiRequestTimer.Sample::sentNanos));
      ApiRequestTimer.Sample read = null;
      for (ApiRequestTimer.Sample s : lease) {
        if ("GET".equals(s.method())) {
          read = s.code() < 300 ? s : null;
        } else if ("PATCH".equals(s.method())) {
          boolean own =
              read != null
                  && read.answeredNanos() <= s.sentNanos()
                  && s.sentNanos() - read.answeredNanos() < PAIRED_WITHIN;
          renewals.add(new Renewal(own ? read.sentNanos() : s.sentNanos(), s));
          read = null;
        }
      }
    }
    return renewals;
  }

  /** How many renewals each FlowSchema classified, by name (by UID if the name is unknown). */
  Map<String, Long> flowSchemas(Map<String, String> namesByUid) {
    Map<String, Long> counts = new TreeMap<>();
    for (ApiRequestTimer.Sample s : timer.samples()) {
      if (!"PATCH".equals(s.method())) {
        continue;
      }
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
          "heartbeats %s: %.0f renewals, none answered with success (%.0f requests rejected 429,"
              + " %.0f failed, %.0f unanswered)",
          phase, f.get("count"), f.get("rejected429"), f.get("failed"), f.get("unanswered"));
    }
    return String.format(
        "heartbeats %s: %.0f renewals, p50 %.1f / p99 %.1f / max %.1f ms (the patch"
            + " alone p50 %.1f / p99 %.1f / max %.1f ms); %.0f requests rejected 429, %.0f failed,"
            + " %.0f unanswered",
        phase,
        f.get("count"),
        f.get("p50"),
        f.get("p99"),
        f.get("max"),
        f.get("patchP50"),
        f.get("patchP99"),
        f.get("patchMax"),
        f.get("rejected429"),
        f.get("failed"),
        f.get("unanswered"));
  }
}
