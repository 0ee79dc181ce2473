package io.vmha.operator;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the operator saw each heartbeat Lease change, by the operator's own clock (as the Kubernetes
 * node lifecycle controller does): a host whose clock is off can never look dead.
 *
 * <p>A Lease first seen after the operator started counts as renewed at that moment, so an operator
 * restart gives every host a fresh grace period (H5). That first sighting is not a renewal the
 * operator saw happen, though, and neither is one it saw while it followed another leader: a host
 * may have died since, and the old leader found it dead. {@link #renewedSince} is false until the
 * Lease changes after the replica began to lead, and a new leader judges a host by what the
 * previous one wrote until then.
 *
 * <p>When no host renewal at all reaches the operator for longer than a blind gap (two heartbeat
 * intervals), the operator itself was most likely cut off from the API server (its watches stalled,
 * or the API server stopped): it could not record a failover freeze then, and on its way back some
 * hosts' renewals arrive before others'. The first renewal after such a gap marks its sight
 * regained ({@link #sightRegainedAt}), and hosts still silent then are treated as after a freeze:
 * they get until their self-fence is due, counted from that moment, before they are lost.
 */
public final class HeartbeatTracker {
  private record Seen(String renewTime, Instant at, boolean renewal) {}

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(HeartbeatTracker.class);

  private final Clock clock;
  private final java.time.Duration blindGap;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private volatile Instant lastHostRenewal;
  private volatile Instant sightRegainedAt;

  /**
   * @param blindGap no host renewal for longer than this: the operator was likely blind
   */
  public HeartbeatTracker(Clock clock, java.time.Duration blindGap) {
    this.clock = clock;
    this.blindGap = blindGap;
  }

  /** Records a renewal; true when the renew time is new. */
  public boolean observe(String key, String renewTime) {
    String value = renewTime == null ? "" : renewTime;
    Seen previous = seen.get(key);
    if (previous != null && previous.renewTime().equals(value)) {
      return false;
    }
    Instant now = clock.instant();
    seen.put(key, new Seen(value, now, previous != null));
    if (key.startsWith(HOST_PREFIX)) {
      Instant before = lastHostRenewal;
      if (before != null && java.time.Duration.between(before, now).compareTo(blindGap) > 0) {
        sightRegainedAt = now;
        log.warn(
            "no host renewal reached the operator for {} ms (its view of the API server was"
                + " interrupted, or every host was silent): hosts still silent now get until their"
                + " self-fence is due before they are judged lost",
            java.time.Duration.between(before, now).toMillis());
      }
      lastHostRenewal = now;
    }
    return true;
  }

  /**
   * When host renewals reached the operator again after none did for longer than the blind gap, or
   * null.
   */
  public Instant sightRegainedAt() {
    return sightRegainedAt;
  }

  /**
   * Whether this operator saw the Lease change at or after {@code since}, having seen it before: a
   * renewal of its own eyes.
   */
  public boolean renewedSince(String key, Instant since) {
    Seen s = seen.get(key);
    return s != null && s.renewal() && !s.at().isBefore(since);
  }

  /**
   * Whether this operator saw the Lease change at least once after it first saw it: then {@link
   * #lastSeen} is when the host last renewed, by this operator's clock, not a first sighting.
   */
  public boolean seenRenewing(String key) {
    Seen s = seen.get(key);
    return s != null && s.renewal();
  }

  /**
   * Whether no host renewal has reached this operator for longer than the blind gap: its view of
   * the Leases is not live, and a host's silence may be its own.
   */
  public boolean blind(Instant now) {
    Instant last = lastHostRenewal;
    return last == null || java.time.Duration.between(last, now).compareTo(blindGap) > 0;
  }

  /** When the last host renewal reached this operator, by its clock, or null if none has. */
  public Instant lastHostRenewal() {
    return lastHostRenewal;
  }

  /** The renew time last seen of each host's Lease, by host name. */
  public Map<String, String> hostRenewTimes() {
    Map<String, String> times = new java.util.HashMap<>();
    seen.forEach(
        (key, s) -> {
          if (key.startsWith(HOST_PREFIX)) {
            times.put(key.substring(HOST_PREFIX.length()), s.renewTime());
          }
        });
    return times;
  }

  /** When the Lease was last seen renewed, or null if never. */
  public Instant lastSeen(String key) {
    Seen s = seen.get(key);
    return s == null ? null : s.at();
  }

  public void forget(String key) {
    seen.remove(key);
  }

  private static final String HOST_PREFIX = "host/";

  static String hostKey(String host) {
    return HOST_PREFIX + host;
  }

  static String guestKey(String namespace, String vm) {
    return "guest/" + namespace + "/" + vm;
  }

  static final String SPM_KEY = "spm";
}
