package io.vmha.agent;

import io.vmha.api.VmHost;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catches an informer cache of this host's VmHost that stopped following the API server. The work
 * loop takes the operator's orders for this host from that cache (instances to stop, fencing and
 * SPM release requests, the acknowledgement of a self-fence); a watch that stalled without an error
 * (a connection a middlebox dropped without a reset, a websocket the client aborted and never
 * reopened) would leave the agent deaf to them, silently, until the watch times out minutes later.
 *
 * <p>Every {@link #READ_EVERY} heartbeat intervals the agent reads its VmHost from the API server.
 * If the cache showed an older version than the API server at one read and has not moved at all by
 * the next, its watch delivers nothing: the agent says so and works from the API server's copy,
 * read every interval, until the cache moves again. A live watch delivers a change within
 * milliseconds, so a whole interval without one while behind is not a busy API server. If the cache
 * still does not move, the agent restarts its watches: the same stall leaves its view of its peers
 * (their endpoints and keys) and of its VMs as old, and a watch that stalled does not come back by
 * itself. After an outage of the API server the reads come every interval for a while, as that is
 * when watches fail to come back.
 */
final class OwnHostCheck {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  /**
   * Heartbeat intervals between two reads while the cache follows: a GET per host per minute at the
   * default 2 s heartbeat, about 17 per second for 1,000 hosts.
   */
  static final int READ_EVERY = 30;

  /**
   * Reads, one heartbeat apart, after the API server answers again: a partition is when a watch
   * most often fails to come back, and the agent's own report, written as it returns, moves its
   * VmHost at once, so a cache that does not follow shows within two reads. A cache seen to move
   * since the first of them ends them early: a fleet back from a power loss reads little more.
   */
  static final int READS_AFTER_OUTAGE = 3;

  /**
   * Reads from the API server's copy, one heartbeat apart, with the cache not moving at all, before
   * the watches are restarted: a live watch of a loaded API server can fall a heartbeat behind, but
   * not stop for this many.
   */
  static final int LAGGING_READS_BEFORE_RESTART = 3;

  private final String me;
  private final Function<String, VmHost> fromApi;
  private final long everyNanos;
  private final long lagEveryNanos;
  private final LongSupplier ticker;
  private final BooleanSupplier restartWatches;
  private long lastRead;
  private int probes;
  private boolean probing;
  private String cachedAtFirstProbe;
  private int laggingReads;
  private boolean read;
  private String cachedAtRead;
  private String apiAtRead;
  private VmHost apiCopy;

  /**
   * @param fromApi reads a VmHost from the API server (null: there is none); may throw
   * @param heartbeatNanos the heartbeat interval
   * @param restartWatches watches everything anew (see {@link ClusterView#restartWatches}); says
   *     whether a restart began
   */
  OwnHostCheck(
      String me,
      Function<String, VmHost> fromApi,
      long heartbeatNanos,
      LongSupplier ticker,
      BooleanSupplier restartWatches) {
    this.me = me;
    this.fromApi = fromApi;
    this.everyNanos = heartbeatNanos * READ_EVERY;
    this.lagEveryNanos = heartbeatNanos;
    this.ticker = ticker;
    this.restartWatches = restartWatches;
  }

  /** The API server answers again after it did not: read at once, then every heartbeat, a while. */
  void afterOutage() {
    probes = READS_AFTER_OUTAGE;
    probing = false;
    read = false;
  }

  /** Whether the work loop works from the API server's copy: the cache stopped following. */
  boolean lagging() {
    return apiCopy != null;
  }

  /**
   * This host's VmHost to work from: the cache's, or the API server's while the cache lags.
   *
   * @param cached what the informer's cache shows now
   * @param mayRead whether a read may be made now (a heartbeat tick, with the API server answering)
   */
  VmHost current(VmHost cached, boolean mayRead) {
    String cachedVersion = version(cached);
    if (apiCopy != null && !Objects.equals(cachedVersion, cachedAtRead)) {
      apiCopy = null;
      laggingReads = 0;
      LOG.info("agent of {}: its cache of its own VmHost follows the API server again", me);
    }
    long now = ticker.getAsLong();
    long every = apiCopy != null || probes > 0 ? lagEveryNanos : everyNanos;
    if (!mayRead || (read && now - lastRead < every)) {
      return apiCopy != null ? apiCopy : cached;
    }
    VmHost server;
    try {
      server = fromApi.apply(me);
    } catch (RuntimeException e) {
      LOG.debug("agent of {}: cannot read its VmHost: {}", me, e.toString());
      return apiCopy != null ? apiCopy : cached;
    }
    if (probes > 0) {
      probes--;
      if (!probing) {
        probing = true;
        cachedAtFirstProbe = cachedVersion;
      } else if (!Objects.equals(cachedVersion, cachedAtFirstProbe)) {
        probes = 0; // the cache moved since the outage: its watch delivers
      }
    }
    String serverVersion = version(server);
    boolean wasBehind = read && !Objects.equals(apiAtRead, cachedAtRead);
    boolean stillThere = Objects.equals(cachedVersion, cachedAtRead);
    if (apiCopy == null
        && wasBehind
        && stillThere
        && !Objects.equals(cachedVersion, serverVersion)) {
      LOG.warn(
          "agent of {}: its cache of its own VmHost still shows version {}, though the API server"
              + " had {} {} ms ago: its watch delivers nothing; it works from the API server's"
              + " copy, read every heartbeat, until the cache follows again",
          me,
          cachedVersion,
          apiAtRead,
          (now - lastRead) / 1_000_000);
      apiCopy = server;
      laggingReads = 0;
    } else if (apiCopy != null && server != null) {
      apiCopy = server;
      if (++laggingReads >= LAGGING_READS_BEFORE_RESTART) {
        laggingReads = 0;
        if (restartWatches.getAsBoolean()) {
          LOG.warn(
              "agent of {}: its cache of its own VmHost has not moved for {} heartbeats while the"
                  + " API server's copy did: it watches everything anew, on new connections",
              me,
              LAGGING_READS_BEFORE_RESTART + 1);
        }
      }
    }
    read = true;
    lastRead = now;
    cachedAtRead = cachedVersion;
    apiAtRead = serverVersion;
    return apiCopy != null ? apiCopy : cached;
  }

  private static String version(VmHost host) {
    return host == null || host.getMetadata() == null
        ? null
        : host.getMetadata().getResourceVersion();
  }
}
