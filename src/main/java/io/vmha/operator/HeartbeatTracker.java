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
 * operator saw happen, though: {@link #renewedSinceStart} stays false until the Lease changes
 * again, and a new leader judges a host by what the previous one wrote until then.
 */
public final class HeartbeatTracker {
  private record Seen(String renewTime, Instant at, boolean renewal) {}

  private final Clock clock;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  public HeartbeatTracker(Clock clock) {
    this.clock = clock;
  }

  /** Records a renewal; true when the renew time is new. */
  public boolean observe(String key, String renewTime) {
    String value = renewTime == null ? "" : renewTime;
    Seen previous = seen.get(key);
    if (previous != null && previous.renewTime().equals(value)) {
      return false;
    }
    seen.put(key, new Seen(value, clock.instant(), previous != null));
    return true;
  }

  /**
   * Whether this operator saw the Lease change after it first saw it: a renewal of its own eyes.
   */
  public boolean renewedSinceStart(String key) {
    Seen s = seen.get(key);
    return s != null && s.renewal();
  }

  /** When the Lease was last seen renewed, or null if never. */
  public Instant lastSeen(String key) {
    Seen s = seen.get(key);
    return s == null ? null : s.at();
  }

  public void forget(String key) {
    seen.remove(key);
  }

  static String hostKey(String host) {
    return "host/" + host;
  }

  static String guestKey(String namespace, String vm) {
    return "guest/" + namespace + "/" + vm;
  }

  static final String SPM_KEY = "spm";
}
