package io.vmha.kube;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests of one Kubernetes client that the API server refused for who sent them or how
 * busy it was: 401, 403 (RBAC, admission policies) and 429 (API Priority and Fairness), by "VERB
 * resource code". A client that runs under a narrow identity shows here what it was denied,
 * whatever part of the code swallowed the exception.
 */
public final class ApiRefusals implements Interceptor {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void after(
      HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> body) {
    int code = response.code();
    if (code == 401 || code == 403 || code == 429) {
      String key =
          request.method() + " " + ApiRequestCounter.resource(request.uri().getPath()) + " " + code;
      counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
  }

  /** Every refusal so far, by "VERB resource code". */
  public Map<String, Long> counts() {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
