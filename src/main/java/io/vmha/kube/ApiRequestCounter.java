package io.vmha.kube;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests one Kubernetes client sends, by verb and resource type ({@code PATCH
 * vmhosts/status}, {@code GET virtualmachines}, ...). Installed as a Fabric8 HTTP interceptor, so
 * it sees every request, whatever API sends it; bound to a registry it is the metric {@code
 * vmha_api_requests_total{verb,resource}}: how hard the operator works the API server.
 */
public final class ApiRequestCounter implements Interceptor, MeterBinder {
  public static final String METRIC = "vmha_api_requests";

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;

  /** Installs a counter on a client builder's HTTP client. */
  public static void install(
      io.fabric8.kubernetes.client.KubernetesClientBuilder builder, ApiRequestCounter counter) {
    builder.withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("vmha-requests", counter));
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    String key = request.method() + " " + resource(request.uri().getPath());
    LongAdder count = counts.get(key);
    if (count == null) {
      count = counts.computeIfAbsent(key, k -> new LongAdder());
      register(key, count);
    }
    count.increment();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    counts.forEach(this::register);
  }

  private void register(String key, LongAdder count) {
    MeterRegistry target = registry;
    if (target == null) {
      return;
    }
    int space = key.indexOf(' ');
    FunctionCounter.builder(METRIC, count, LongAdder::sum)
        .tag("verb", key.substring(0, space))
        .tag("resource", key.substring(space + 1))
        .description("Requests the operator sent to the API server")
        .register(target);
  }

  /** {@code virtualmachines/status}, {@code leases}, {@code events} ... from an API path. */
  public static String resource(String path) {
    String[] parts = path.split("/");
    // /apis/<group>/<version>/[namespaces/<ns>/]<resource>[/<name>[/<sub>]]  or /api/v1/...
    int i = path.startsWith("/apis/") ? 4 : 3;
    if (parts.length > i + 1 && "namespaces".equals(parts[i]) && parts.length > i + 2) {
      i += 2;
    }
    if (parts.length <= i) {
      return path;
    }
    String resource = parts[i];
    if (parts.length > i + 2) {
      resource += "/" + parts[i + 2];
    }
    return resource;
  }

  /** Every count so far, by "VERB resource". */
  public Map<String, Long> counts() {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
