package io.vmha.kube;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Times the requests of one Kubernetes client that match a predicate (a heartbeat's {@code PATCH
 * leases}, say): when each was sent, how long until the API server's answer, its status code and
 * the API Priority and Fairness FlowSchema that classified it. Installed as a Fabric8 HTTP
 * interceptor beside {@link ApiRequestCounter}.
 *
 * <p>The send time travels with the request as a header: Fabric8 rebuilds the request object for
 * every interceptor, so nothing but the request itself links the answer to its sending.
 */
public final class ApiRequestTimer implements Interceptor {
  /** Carries the send time; the API server ignores it. */
  static final String SENT_HEADER = "X-Vmha-Sent-Nanos";

  /** What kube-apiserver answers with: the UID of the FlowSchema that classified the request. */
  public static final String FLOW_SCHEMA_HEADER = "X-Kubernetes-PF-FlowSchema-UID";

  private final Predicate<HttpRequest> timed;
  private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
  private final AtomicLong unmatched = new AtomicLong();

  public ApiRequestTimer(Predicate<HttpRequest> timed) {
    this.timed = timed;
  }

  /** Times requests of these verbs on {@code resource} ("leases", "GET", "PATCH"). */
  public static ApiRequestTimer of(String resource, String... verbs) {
    List<String> timed = List.of(verbs);
    return new ApiRequestTimer(
        r ->
            timed.contains(r.method())
                && resource.equals(ApiRequestCounter.resource(r.uri().getPath())));
  }

  /**
   * One answered request: its verb and path, sent and answered on the {@code System.nanoTime}
   * scale, the HTTP status, the FlowSchema UID (null if the API server named none).
   */
  public record Sample(
      String method,
      String path,
      long sentNanos,
      long answeredNanos,
      int code,
      String flowSchemaUid) {
    public long nanos() {
      return answeredNanos - sentNanos;
    }
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (timed.test(request)) {
      long now = System.nanoTime();
      sent.add(new Sent(request.method(), now));
      builder.setHeader(SENT_HEADER, Long.toString(now));
    }
  }

  @Override
  public void after(
      HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> body) {
    long now = System.nanoTime();
    String sentAt = request.header(SENT_HEADER);
    if (sentAt == null && response.request() != null) {
      sentAt = response.request().header(SENT_HEADER);
    }
    if (sentAt == null) {
      if (timed.test(request)) {
        unmatched.incrementAndGet();
      }
      return;
    }
    samples.add(
        new Sample(
            request.method(),
            request.uri().getPath(),
            Long.parseLong(sentAt),
            now,
            response.code(),
            response.header(FLOW_SCHEMA_HEADER)));
  }

  /** Every answered request so far. */
  public List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  /** A timed request's verb and when it was sent, answered or not. */
  public record Sent(String method, long nanos) {}

  /** Every timed request sent so far, answered or not (a timeout has no answer). */
  public List<Sent> sent() {
    return new ArrayList<>(sent);
  }

  /** Answers whose request had lost its send time: should stay 0, or the figures miss requests. */
  public long unmatched() {
    return unmatched.get();
  }
}
