package io.vmha.operator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Catches a watch that went quiet without closing. A connection a middlebox forgot, or one to an
 * API server replica that lost power behind a load balancer, neither delivers nor fails: the
 * Fabric8 informer keeps saying it watches, and the operator keeps deciding from a cache that no
 * longer moves (every host looks silent, its own leader renewals never show, so it refuses every
 * write).
 *
 * <p>A watch whose cache has not moved for {@link #QUIET_BEFORE_PROBE} is compared with a read of
 * the same objects on a fresh connection. If the server is ahead, the cache gets {@link #SETTLE} to
 * catch up, as a live but slow watch would; a cache that still has not moved then is dead. A read
 * that fails (the API server is down for everyone) proves nothing and is not held against the
 * watch. The leader Lease's watch moves every renewal of whichever replica leads, and the heartbeat
 * Leases' every heartbeat of every live host, so both are read after a short quiet; a fleet whose
 * hosts are all down leaves both caches and server unchanged, so it passes. Watches of objects that
 * may stay unchanged for hours are read on a period of their own ({@link Watched#probeEvery}).
 */
final class QuietWatchGuard {
  static final Duration QUIET_BEFORE_PROBE = Duration.ofSeconds(15);
  static final Duration SETTLE = Duration.ofSeconds(15);

  /**
   * What one watch shows of its objects, and how to read the same from the server.
   *
   * @param probeEvery the least time between two reads of the server
   */
  record Watched(
      String name,
      LongSupplier quietNanos,
      Supplier<Map<String, String>> cached,
      Supplier<Map<String, String>> server,
      Duration probeEvery) {

    Watched(
        String name,
        LongSupplier quietNanos,
        Supplier<Map<String, String>> cached,
        Supplier<Map<String, String>> server) {
      this(name, quietNanos, cached, server, QUIET_BEFORE_PROBE);
    }
  }

  /**
   * The server was seen ahead of a cache: the objects the cache lagged on, with the versions each
   * side had then (by object), and when.
   */
  private record Behind(Map<String, String> cachedThen, Map<String, String> server, long atNanos) {}

  private final LongSupplier nanos;
  private final Map<String, Behind> behind = new HashMap<>();
  private final Map<String, Long> probedAt = new HashMap<>();

  QuietWatchGuard(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /**
   * Checks one watch; returns why it is dead, or null. Call it every few seconds from one thread.
   */
  String check(Watched watch) {
    long now = nanos.getAsLong();
    Behind seen = behind.get(watch.name());
    if (seen != null) {
      if (moved(seen.cachedThen(), watch.cached().get())) {
        behind.remove(watch.name());
        return null;
      }
      if (now - seen.atNanos() >= SETTLE.toNanos()) {
        return watch.name()
            + " watch fell behind the API server and did not catch up within "
            + SETTLE.toSeconds()
            + " s ("
            + sample(seen)
            + ")";
      }
      return null;
    }
    if (watch.quietNanos().getAsLong() < QUIET_BEFORE_PROBE.toNanos()) {
      return null;
    }
    Long last = probedAt.get(watch.name());
    if (last != null && now - last < watch.probeEvery().toNanos()) {
      return null;
    }
    probedAt.put(watch.name(), now);
    Map<String, String> cached = watch.cached().get();
    Map<String, String> server = watch.server().get();
    if (server == null) {
      return null;
    }
    Map<String, String> lagging = new HashMap<>();
    Map<String, String> ahead = new HashMap<>();
    server.forEach(
        (key, version) -> {
          String mine = cached.get(key);
          if (mine != null && !mine.equals(version)) {
            lagging.put(key, mine);
            ahead.put(key, version);
          }
        });
    if (!lagging.isEmpty()) {
      behind.put(watch.name(), new Behind(lagging, ahead, now));
    }
    return null;
  }

  /**
   * Whether the cache moved on any object it lagged on. Objects only one side has prove nothing (a
   * Lease the operator forgot with its host, one deleted meanwhile), so only those both had count.
   */
  private static boolean moved(Map<String, String> then, Map<String, String> now) {
    return then.entrySet().stream().anyMatch(e -> !e.getValue().equals(now.get(e.getKey())));
  }

  private static String sample(Behind seen) {
    StringBuilder text = new StringBuilder();
    seen.cachedThen().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .limit(3)
        .forEach(
            e ->
                text.append(text.length() == 0 ? "" : "; ")
                    .append(e.getKey())
                    .append(": cache ")
                    .append(e.getValue())
                    .append(", server ")
                    .append(seen.server().get(e.getKey())));
    if (seen.cachedThen().size() > 3) {
      text.append("; ").append(seen.cachedThen().size() - 3).append(" more");
    }
    return text.toString();
  }
}
