package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class QuietWatchGuardTest {
  final AtomicLong nanos = new AtomicLong();
  final AtomicLong lastEvent = new AtomicLong();
  final Map<String, String> cache = new HashMap<>(Map.of("h1", "r1", "h2", "r1"));
  final AtomicReference<Map<String, String>> server =
      new AtomicReference<>(Map.of("h1", "r1", "h2", "r1"));
  final AtomicInteger reads = new AtomicInteger();
  final QuietWatchGuard guard = new QuietWatchGuard(nanos::get);
  final QuietWatchGuard.Watched watch =
      new QuietWatchGuard.Watched(
          "heartbeat Lease",
          () -> nanos.get() - lastEvent.get(),
          () -> Map.copyOf(cache),
          () -> {
            reads.incrementAndGet();
            return server.get();
          });

  /** Advances the clock, checking every 5 s as the operator does; the first verdict, or null. */
  String run(Duration duration) {
    for (long t = 0; t < duration.toSeconds(); t += 5) {
      nanos.addAndGet(Duration.ofSeconds(5).toNanos());
      String why = guard.check(watch);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  @Test
  void aWatchThatDeliversIsNeverComparedWithTheServer() {
    for (int i = 0; i < 20; i++) {
      lastEvent.set(nanos.get());
      assertThat(run(Duration.ofSeconds(10))).isNull();
    }
    assertThat(reads).hasValue(0);
  }

  @Test
  void aFleetWhoseHostsAreAllDownIsNotTakenForADeadWatch() {
    assertThat(run(Duration.ofMinutes(10))).isNull();
    assertThat(reads.get()).as("one read per 15 s of quiet").isBetween(35, 41);
  }

  @Test
  void aCacheThatStaysBehindTheServerIsDead() {
    server.set(Map.of("h1", "r2", "h2", "r1"));
    String why = run(Duration.ofMinutes(1));
    assertThat(why)
        .contains("heartbeat Lease watch fell behind")
        .contains("h1: cache r1, server r2");
    // quiet for 15 s before the read, then 15 s to catch up
    assertThat(nanos.get()).isLessThanOrEqualTo(Duration.ofSeconds(35).toNanos());
  }

  @Test
  void aSlowWatchThatCatchesUpIsAlive() {
    server.set(Map.of("h1", "r2", "h2", "r1"));
    assertThat(run(Duration.ofSeconds(20))).isNull();
    cache.put("h1", "r2"); // the late event lands, no later than the settle time
    assertThat(run(Duration.ofMinutes(5))).isNull();
  }

  @Test
  void anApiServerThatDoesNotAnswerProvesNothing() {
    server.set(null);
    assertThat(run(Duration.ofMinutes(5))).isNull();
    assertThat(reads.get()).isPositive();
  }

  @Test
  void objectsOnlyTheServerHasProveNothing() {
    server.set(Map.of("h1", "r1", "h2", "r1", "forgotten-host", "r9"));
    assertThat(run(Duration.ofMinutes(5))).isNull();
  }

  @Test
  void aWatchOfObjectsThatMayStayUnchangedIsComparedEveryFiveMinutes() {
    Map<String, String> vms = new HashMap<>(Map.of("apps/web", "10", "apps/db", "11"));
    AtomicReference<Map<String, String>> listed = new AtomicReference<>(Map.copyOf(vms));
    AtomicInteger lists = new AtomicInteger();
    QuietWatchGuard.Watched kind =
        new QuietWatchGuard.Watched(
            "VirtualMachine",
            () -> Long.MAX_VALUE,
            () -> Map.copyOf(vms),
            () -> {
              lists.incrementAndGet();
              return listed.get();
            },
            Duration.ofMinutes(5));
    String why = null;
    for (int tick = 0; tick < 12 * 11 && why == null; tick++) { // eleven minutes
      nanos.addAndGet(Duration.ofSeconds(5).toNanos());
      if (tick == 12 * 6) {
        listed.set(Map.of("apps/web", "10", "apps/db", "57")); // db changed; the cache never hears
      }
      why = guard.check(kind);
    }
    assertThat(lists.get()).as("a list at start, then one per five minutes").isEqualTo(3);
    assertThat(why)
        .contains("VirtualMachine watch fell behind")
        .contains("apps/db: cache 11, server 57");
  }
}
