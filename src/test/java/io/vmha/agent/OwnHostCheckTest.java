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
  final OwnHostCheck check =
      new OwnHostCheck(
          "me",
          name -> {
            reads++;
            return server.get();
          },
          HEARTBEAT,
          now::get);

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
}
