package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.vmha.api.VmHost;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OwnHostCheckTest {
  static final long HEARTBEAT = 1_000_000_000L;

  final AtomicLong now = new AtomicLong();
  final AtomicReference<VmHost> server = new AtomicReference<>(version("1"));
  int reads;
  int restarts;
  final OwnHostCheck check =
      new OwnHostCheck(
          "me",
          name -> {
            reads++;
            return server.get();
          },
          HEARTBEAT,
          now::get,
          () -> {
            restarts++;
            return true;
          });

  static VmHost version(String resourceVersion) {
    VmHost host = new VmHost();
    host.setMetadata(
        new ObjectMetaBuilder().withName("me").withResourceVersion(resourceVersion).build());
    return host;
  }

  void interval() {
    now.addAndGet(HEARTBEAT * OwnHostCheck.READ_EVERY);
  }

  @Test
  void aCacheThatFollowsIsUsedThoughTheApiServerIsAheadAtEveryRead() {
    for (int i = 1; i <= 5; i++) {
      VmHost cached = version(String.valueOf(i));
      server.set(version(String.valueOf(i + 1))); // a write the watch has not delivered yet
      assertThat(check.current(cached, true)).isSameAs(cached);
      assertThat(check.lagging()).isFalse();
      interval();
    }
    assertThat(reads).isEqualTo(5);
  }

  @Test
  void readsOncePerIntervalAndOnlyWhenAllowed() {
    VmHost cached = version("1");
    check.current(cached, true);
    now.addAndGet(HEARTBEAT);
    check.current(cached, true);
    assertThat(reads).isEqualTo(1);
    interval();
    check.current(cached, false); // not a heartbeat tick, or the API server does not answer
    assertThat(reads).isEqualTo(1);
  }

  @Test
  void aCacheThatStoodStillWhileBehindIsReplacedByTheApiServersCopyUntilItMoves() {
    VmHost stuck = version("7");
    server.set(version("7"));
    check.current(stuck, true);
    interval();
    server.set(version("9"));
    assertThat(check.current(stuck, true)).isSameAs(stuck); // behind, by one read: may be in flight
    interval();
    server.set(version("10"));
    VmHost used = check.current(stuck, true);
    assertThat(check.lagging()).isTrue();
    assertThat(used.getMetadata().getResourceVersion()).isEqualTo("10");

    now.addAndGet(HEARTBEAT); // while lagging, read every heartbeat
    server.set(version("11"));
    assertThat(check.current(stuck, true).getMetadata().getResourceVersion()).isEqualTo("11");

    VmHost moved = version("11");
    assertThat(check.current(moved, true)).isSameAs(moved);
    assertThat(check.lagging()).isFalse();
  }

  @Test
  void aCacheThatStaysStillWhileLaggingHasItsWatchesRestarted() {
    VmHost stuck = version("7");
    server.set(version("7"));
    check.current(stuck, true);
    interval();
    server.set(version("9"));
    check.current(stuck, true);
    interval();
    check.current(stuck, true);
    assertThat(check.lagging()).isTrue();
    for (int i = 1; i < OwnHostCheck.LAGGING_READS_BEFORE_RESTART; i++) {
      now.addAndGet(HEARTBEAT);
      check.current(stuck, true);
    }
    assertThat(restarts).isZero();
    now.addAndGet(HEARTBEAT);
    check.current(stuck, true);
    assertThat(restarts).isEqualTo(1);

    VmHost moved = version("9"); // the new watches filled the cache
    now.addAndGet(HEARTBEAT);
    assertThat(check.current(moved, true)).isSameAs(moved);
    assertThat(check.lagging()).isFalse();
    assertThat(restarts).isEqualTo(1);
  }

  @Test
  void afterAnOutageAStalledCacheShowsWithinTwoHeartbeats() {
    VmHost stuck = version("7");
    server.set(version("7"));
    check.current(stuck, true);
    now.addAndGet(HEARTBEAT * 3); // an outage: the API server did not answer
    check.afterOutage();
    server.set(version("8")); // the agent's report, written as the API server answers again
    check.current(stuck, true);
    assertThat(check.lagging()).isFalse();
    now.addAndGet(HEARTBEAT);
    check.current(stuck, true);
    assertThat(check.lagging()).isTrue();
    assertThat(reads).isEqualTo(3);
  }

  @Test
  void afterAnOutageACacheSeenMovingEndsTheReads() {
    check.afterOutage();
    for (int i = 1; i <= 10; i++) {
      VmHost cached = version(String.valueOf(i));
      server.set(cached);
      check.current(cached, true);
      now.addAndGet(HEARTBEAT);
    }
    assertThat(reads).isEqualTo(2);
    assertThat(restarts).isZero();
  }

  @Test
  void afterAnOutageAStillCacheIsReadAFewTimes() {
    VmHost cached = version("4");
    server.set(cached);
    check.afterOutage();
    for (int i = 1; i <= 10; i++) {
      check.current(cached, true);
      now.addAndGet(HEARTBEAT);
    }
    assertThat(reads).isEqualTo(OwnHostCheck.READS_AFTER_OUTAGE);
    assertThat(restarts).isZero();
  }
}
