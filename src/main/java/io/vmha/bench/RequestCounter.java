package io.vmha.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests one Kubernetes client sends, by kind: writes (anything but GET) by resource
 * type, and reads. Installed as a Fabric8 HTTP interceptor, so it sees every request the operator
 * or the agents make, whatever API they go through.
 */
final class RequestCounter implements Interceptor {
  private final Map<String, LongAdder> writes = new ConcurrentHashMap<>();
  private final LongAdder reads = new LongAdder();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if ("GET".equals(request.method())) {
      reads.increment();
      return;
    }
    writes
        .computeIfAbsent(
            request.method() + " " + resource(request.uri().getPath()), k -> new LongAdder())
        .increment();
  }

  /** {@code virtualmachines/status}, {@code leases}, {@code events} ... from an API path. */
  static String resource(String path) {
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

  long writes() {
    return writes.values().stream().mapToLong(LongAdder::sum).sum();
  }

  long reads() {
    return reads.sum();
  }

  Map<String, Long> writesByResource() {
    Map<String, Long> copy = new TreeMap<>();
    writes.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }

  void reset() {
    writes.clear();
    reads.reset();
  }
}
