package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The operator's own blindness: when no host renewal reaches it for longer than two heartbeats (its
 * watches stalled, the API server stopped), the first renewal after marks its sight regained, from
 * which hosts still silent get until their self-fence is due. Seen in the end-to-end test: the API
 * server stopped for 22 s; afterwards two hosts' renewals arrived before the third's, and the
 * operator, which could not record a freeze while blind, failed the third host's VMs over while
 * they still ran there.
 */
class HeartbeatTrackerTest {
  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  final HeartbeatTracker tracker = new HeartbeatTracker(clock, Duration.ofSeconds(4));

  void everyHostRenews(int round) {
    for (String host : new String[] {"a", "b", "c"}) {
      tracker.observe(HeartbeatTracker.hostKey(host), "renewal-" + round);
    }
  }

  @Test
  void theFirstRenewalAfterAFleetWideGapMarksSightRegained() {
    everyHostRenews(1);
    clock.advance(Duration.ofSeconds(2));
    everyHostRenews(2);
    assertThat(tracker.sightRegainedAt()).as("renewals keep coming").isNull();

    clock.advance(Duration.ofSeconds(22)); // the operator sees nothing
    tracker.observe(HeartbeatTracker.SPM_KEY, "spm-renewal"); // not a host's: proves nothing
    assertThat(tracker.sightRegainedAt()).isNull();
    Instant back = clock.instant();
    tracker.observe(HeartbeatTracker.hostKey("a"), "renewal-3");
    clock.advance(Duration.ofMillis(500));
    tracker.observe(HeartbeatTracker.hostKey("b"), "renewal-3");
    assertThat(tracker.sightRegainedAt()).isEqualTo(back);
  }

  @Test
  void oneHostGoingSilentIsNoGap() {
    for (int round = 1; round <= 10; round++) {
      tracker.observe(HeartbeatTracker.hostKey("a"), "a-" + round);
      tracker.observe(HeartbeatTracker.hostKey("b"), "b-" + round);
      clock.advance(Duration.ofSeconds(2)); // c died: the others keep the operator's sight
    }
    assertThat(tracker.sightRegainedAt()).isNull();
  }

  /**
   * A standby replica watches the Leases before it leads: a renewal it saw then is no evidence that
   * the host lives now, only one seen after it began to lead is.
   */
  @Test
  void onlyARenewalSeenSinceLeadershipBeganCounts() {
    String host = HeartbeatTracker.hostKey("a");
    tracker.observe(host, "renewal-1");
    assertThat(tracker.renewedSince(host, clock.instant())).as("a first sighting").isFalse();
    clock.advance(Duration.ofSeconds(2));
    tracker.observe(host, "renewal-2");
    clock.advance(Duration.ofSeconds(20)); // the host dies; the leader dies
    Instant leading = clock.instant();
    assertThat(tracker.renewedSince(host, leading)).as("renewed while following").isFalse();
    clock.advance(Duration.ofSeconds(2));
    tracker.observe(host, "renewal-3");
    assertThat(tracker.renewedSince(host, leading)).as("renewed while leading").isTrue();
  }
}
