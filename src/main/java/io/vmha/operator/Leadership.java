package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this replica may write now. A leader frozen (a GC pause, SIGSTOP, a VM migration of the
 * pod's node) resumes believing it leads while its Lease may have passed to another replica; the
 * leader elector notices only at its next renewal, and everything queued before writes first. So
 * every write of this replica's client passes here: it goes out only while the last renewal of the
 * leader Lease this replica saw was its own, and recent by both its monotonic clock (when it was
 * seen) and the renewal's own time (a renewal seen late, after a freeze, does not count as fresh).
 * The window is the renew deadline, shorter than the Lease's duration, so a follower cannot have
 * taken over while a write passes.
 */
final class Leadership implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  private final String identity;
  private final String leasePath;
  private final String leaseCollection;
  private final Duration window;
  private final LongSupplier nanos;
  private final Clock clock;
  private volatile long seenNanos = Long.MIN_VALUE;
  private volatile Instant renewTime = Instant.MIN;
  private volatile boolean refusing;

  /** Thrown, instead of sending, by a write this replica is not sure it may make. */
  static final class NotLeading extends RuntimeException {
    NotLeading(String message) {
      super(message);
    }
  }

  Leadership(
      String identity,
      String leaseNamespace,
      String leaseName,
      Duration window,
      LongSupplier nanos,
      Clock clock) {
    this.identity = identity;
    this.leaseCollection = "/apis/coordination.k8s.io/v1/namespaces/" + leaseNamespace + "/leases";
    this.leasePath = leaseCollection + "/" + leaseName;
    this.window = window;
    this.nanos = nanos;
    this.clock = clock;
  }

  /** The leader Lease as this replica's informer sees it. */
  void observe(Lease lease) {
    if (lease == null
        || lease.getSpec() == null
        || !identity.equals(lease.getSpec().getHolderIdentity())
        || lease.getSpec().getRenewTime() == null) {
      return;
    }
    Instant renewed = lease.getSpec().getRenewTime().toInstant();
    if (renewed.isAfter(renewTime)) {
      renewTime = renewed;
      seenNanos = nanos.getAsLong();
    }
  }

  /** Whether a write may go out now. */
  boolean certain() {
    if (seenNanos == Long.MIN_VALUE) {
      return false;
    }
    boolean seenRecently = nanos.getAsLong() - seenNanos < window.toNanos();
    boolean renewedRecently = Duration.between(renewTime, clock.instant()).compareTo(window) < 0;
    return seenRecently && renewedRecently;
  }

  /**
   * Refuses a write (anything but a read) unless {@link #certain}. The leader elector's own
   * requests pass: the leader Lease, its creation, and access reviews.
   */
  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if ("GET".equals(request.method()) || exempt(request.uri().getPath())) {
      return;
    }
    if (certain()) {
      if (refusing) {
        refusing = false;
        log.info("sure to lead again: writing");
      }
      return;
    }
    if (!refusing) {
      refusing = true;
      log.warn(
          "not sure to lead (last own renewal of the leader Lease seen {} ago): refusing writes",
          seenNanos == Long.MIN_VALUE
              ? "never"
              : Duration.ofNanos(nanos.getAsLong() - seenNanos).toMillis() + " ms");
    }
    throw new NotLeading(
        "not sure to lead: " + request.method() + " " + request.uri().getPath() + " not sent");
  }

  private boolean exempt(String path) {
    return path.equals(leasePath)
        || path.equals(leaseCollection)
        || path.startsWith("/apis/authorization.k8s.io/")
        || path.startsWith("/apis/authentication.k8s.io/");
  }
}
