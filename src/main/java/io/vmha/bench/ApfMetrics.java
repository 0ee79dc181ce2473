package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kube-apiserver's own counters of API Priority and Fairness, from its {@code /metrics}: requests
 * dispatched and rejected, and the time they waited in its queues (seconds in all, how many), by
 * FlowSchema and priority level. They say which schema the operator's requests matched even when
 * the operator runs in a JVM of its own, where the bench sees none of its answers.
 */
final class ApfMetrics {
  private static final Pattern SAMPLE =
      Pattern.compile(
          "^apiserver_flowcontrol_(dispatched_requests_total|rejected_requests_total"
              + "|request_wait_duration_seconds_sum|request_wait_duration_seconds_count)"
              + "\\{([^}]*)\\}\\s+(\\S+)");
  private static final Map<String, String> KEYS =
      Map.of(
          "dispatched_requests_total", "dispatched",
          "rejected_requests_total", "rejected",
          "request_wait_duration_seconds_sum", "waitSeconds",
          "request_wait_duration_seconds_count", "waited");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private ApfMetrics() {}

  /**
   * "dispatched|rejected|waitSeconds|waited FLOWSCHEMA/PRIORITYLEVEL" → value; empty if the scrape
   * failed.
   */
  static Map<String, Double> scrape(KubernetesClient admin) {
    Map<String, Double> counts = new TreeMap<>();
    try {
      HttpClient http = admin.getHttpClient();
      String body =
          http.sendAsync(
                  http.newHttpRequestBuilder()
                      .uri(
                          admin.getConfiguration().getMasterUrl().replaceAll("/*$", "")
                              + "/metrics")
                      .build(),
                  String.class)
              .get(30, TimeUnit.SECONDS)
              .body();
      for (String line : body.split("\n")) {
        Matcher m = SAMPLE.matcher(line);
        if (!m.find()) {
          continue;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
        counts.merge(
            KEYS.get(m.group(1))
                + " "
                + labels.get("flow_schema")
                + "/"
                + labels.get("priority_level"),
            Double.parseDouble(m.group(3)),
            Double::sum);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // no figures; the run's others stand
    }
    return counts;
  }

  /** {@code after} minus {@code before}, the entries that changed. */
  static Map<String, Double> between(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> delta = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          double d = v - before.getOrDefault(k, 0.0);
          if (d > 0) {
            delta.put(k, d);
          }
        });
    return delta;
  }
}
