package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link QuietWatchGuard} every few seconds over this replica's leader Lease watch, and,
 * once it leads, its heartbeat Lease, VmHost and VM watches; reports a dead one once.
 */
final class QuietWatches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QuietWatches.class);
  static final Duration EVERY = Duration.ofSeconds(5);

  private final QuietWatchGuard guard = new QuietWatchGuard(System::nanoTime);
  private final List<QuietWatchGuard.Watched> watched;
  private final Consumer<String> onDead;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vmha-watch-guard");
            t.setDaemon(true);
            return t;
          });
  private volatile String dead;

  QuietWatches(List<QuietWatchGuard.Watched> watched, Consumer<String> onDead) {
    this.watched = watched;
    this.onDead = onDead;
  }

  QuietWatches start() {
    thread.scheduleWithFixedDelay(
        this::checkAll, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Why a watch is dead, or null while all are alive. */
  String dead() {
    return dead;
  }

  private void checkAll() {
    if (dead != null) {
      return;
    }
    try {
      for (QuietWatchGuard.Watched watch : watched) {
        String why = guard.check(watch);
        if (why != null) {
          dead = why;
          log.error("{}: this replica's view of the fleet is stale and cannot recover", why);
          onDead.accept(why);
          return;
        }
      }
    } catch (RuntimeException e) {
      log.warn("checking the watches failed; next check in {}", EVERY, e);
    }
  }

  /**
   * The leader Lease watch: whichever replica leads renews the Lease every retry period, and this
   * replica tries to take it as often, so a live watch never stays quiet long.
   */
  static QuietWatchGuard.Watched leaderLease(
      SharedIndexInformer<Lease> informer,
      java.util.function.LongSupplier lastEventNanos,
      FreshConnection fresh,
      String namespace,
      String name) {
    return new QuietWatchGuard.Watched(
        "leader Lease",
        () -> System.nanoTime() - lastEventNanos.getAsLong(),
        () -> versionOf(informer.getStore().getByKey(namespace + "/" + name)),
        () -> fresh.read(c -> versionOf(c.leases().inNamespace(namespace).withName(name).get())));
  }

  private static Map<String, String> versionOf(Lease lease) {
    return lease == null
        ? Map.of()
        : Map.of("resourceVersion", lease.getMetadata().getResourceVersion());
  }

  /**
   * The heartbeat Lease watch, once this replica leads and has seen a host: every live host renews
   * every heartbeat interval.
   */
  static QuietWatchGuard.Watched heartbeats(
      HeartbeatTracker tracker, Clock clock, FreshConnection fresh, String namespace) {
    return new QuietWatchGuard.Watched(
        "heartbeat Lease",
        () -> {
          Instant last = tracker.lastHostRenewal();
          return last == null ? 0 : Duration.between(last, clock.instant()).toNanos();
        },
        tracker::hostRenewTimes,
        () -> fresh.read(c -> hostRenewTimes(c, namespace)));
  }

  /** How often the VM and VmHost watches are compared with the server: a paged list each. */
  static final Duration KINDS_EVERY = Duration.ofMinutes(5);

  /**
   * A watch of a kind whose objects may stay unchanged for hours (VMs, VmHosts): nothing says how
   * long it may stay quiet, so every {@link #KINDS_EVERY} its cache is compared with a paged list,
   * once this replica leads (its caches exist).
   */
  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> QuietWatchGuard.Watched kind(
      Class<T> type,
      Supplier<io.javaoperatorsdk.operator.processing.event.source.Cache<T>> cache,
      FreshConnection fresh) {
    return new QuietWatchGuard.Watched(
        type.getSimpleName(),
        () -> cache.get() == null ? 0 : Long.MAX_VALUE,
        () -> {
          var current = cache.get();
          return current == null ? Map.of() : versions(current.list().iterator());
        },
        () -> fresh.read(c -> listedVersions(c, type)),
        KINDS_EVERY);
  }

  /**
   * The version of every object of a kind, page by page: at 20,000 VMs the whole list would hold
   * some 100 MB of objects at once in an operator that runs under 512 MiB.
   */
  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata>
      Map<String, String> listedVersions(KubernetesClient client, Class<T> type) {
    Map<String, String> versions = new HashMap<>();
    String next = null;
    do {
      var page =
          client
              .resources(type)
              .inAnyNamespace()
              .list(
                  new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                      .withLimit(500L)
                      .withContinue(next)
                      .build());
      versions.putAll(versions(page.getItems().iterator()));
      next = page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return versions;
  }

  private static Map<String, String> versions(
      java.util.Iterator<? extends io.fabric8.kubernetes.api.model.HasMetadata> objects) {
    Map<String, String> versions = new HashMap<>();
    objects.forEachRemaining(
        o ->
            versions.put(
                o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
                o.getMetadata().getResourceVersion()));
    return versions;
  }

  private static Map<String, String> hostRenewTimes(KubernetesClient client, String namespace) {
    Map<String, String> renewTimes = new HashMap<>();
    for (Lease lease :
        client
            .leases()
            .inNamespace(namespace)
            .withLabel(LeaseObserver.KIND_LABEL, "host")
            .list()
            .getItems()) {
      String host = LeaseObserver.hostOf(lease);
      if (host != null) {
        renewTimes.put(host, LeaseObserver.renewTime(lease));
      }
    }
    return renewTimes;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
