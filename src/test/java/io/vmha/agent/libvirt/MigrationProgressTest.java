package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a live migration has overrun its limits, from the samples its watcher takes. */
class MigrationProgressTest {
  static final long MIB = 1024L * 1024;
  static final long S = 1_000_000_000L;
  static final MigrationLimits LIMITS =
      new MigrationLimits(Duration.ofSeconds(10), Duration.ofSeconds(64));

  @Test
  void precopyRoundsThatRefillTheRemainingDataAreProgressAsLongAsANewLowComes() {
    MigrationProgress progress = new MigrationProgress(LIMITS, 1024 * MIB, 0);
    // round 1 sends most of memory, the guest dirties some again, round 2 ends lower still
    long[] remaining = {900, 500, 100, 300, 250, 200, 80, 150, 120, 60};
    for (int i = 0; i < remaining.length; i++) {
      assertThat(progress.sample((i + 1) * 2 * S, remaining[i] * MIB)).isEmpty();
    }
  }

  @Test
  void noNewLowForTheProgressTimeoutAbortsSayingHowMuchWasLeft() {
    MigrationProgress progress = new MigrationProgress(LIMITS, 1024 * MIB, 0);
    assertThat(progress.sample(1 * S, 700 * MIB)).isEmpty();
    assertThat(progress.sample(2 * S, 400 * MIB)).isEmpty();
    // the target hangs: the remaining data stays where it was
    assertThat(progress.sample(11 * S, 400 * MIB)).isEmpty();
    assertThat(progress.sample(12 * S + 1, 410 * MIB))
        .hasValue("made no progress for 10 s (400 MiB still to send)");
  }

  @Test
  void aJobThatNeverSendsAnythingStallsFromItsStart() {
    MigrationProgress progress = new MigrationProgress(LIMITS, 1024 * MIB, 5 * S);
    assertThat(progress.sample(14 * S, 0)).isEmpty();
    assertThat(progress.sample(15 * S + 1, 0)).hasValue("made no progress for 10 s (no data sent)");
  }

  @Test
  void aMigrationThatKeepsProgressingStillEndsAtItsTimeForTheGuestsMemory() {
    // 2 GiB at 64 s per GiB: 128 s, although every sample is a new low
    MigrationProgress progress = new MigrationProgress(LIMITS, 2048 * MIB, 0);
    long remaining = 2048 * MIB;
    for (int second = 1; second <= 128; second++) {
      remaining -= MIB;
      assertThat(progress.sample(second * S, remaining)).as("at %d s", second).isEmpty();
    }
    assertThat(progress.sample(128 * S + 1, remaining - MIB))
        .hasValue("did not finish within 128 s (64 s per GiB of memory)");
  }

  @Test
  void aSmallGuestGetsAtLeastTheProgressTimeout() {
    assertThat(LIMITS.maxTime(128 * MIB)).isEqualTo(Duration.ofSeconds(10));
    assertThat(LIMITS.maxTime(512 * MIB)).isEqualTo(Duration.ofSeconds(32));
  }
}
