package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default storage check; no libvirt needed. */
class MountProbeTest {
  @TempDir Path dir;

  @Test
  void aListableDirectoryIsReadable() throws Exception {
    Files.writeString(dir.resolve("disk.qcow2"), "x");
    try (MountProbe probe = new MountProbe(Duration.ofSeconds(2), Duration.ZERO)) {
      assertThat(probe.test(dir)).isTrue();
      assertThat(probe.test(dir.resolve("missing"))).isFalse();
      assertThat(probe.test(dir.resolve("disk.qcow2"))).as("a file is no mount point").isFalse();
    }
  }

  @Test
  void resultsAreCachedBriefly() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("mnt"));
    try (MountProbe probe = new MountProbe(Duration.ofSeconds(2), Duration.ofHours(1))) {
      assertThat(probe.test(mount)).isTrue();
      Files.delete(mount);
      assertThat(probe.test(mount)).isTrue();
    }
    try (MountProbe probe = new MountProbe(Duration.ofSeconds(2), Duration.ZERO)) {
      assertThat(probe.test(mount)).isFalse();
    }
  }

  /**
   * A filer that answers, but seconds late, is lost: a late answer does not make the host flap back
   * to "storage connected" (before, the probe waited out its timeout on every question, and an
   * answer that came after it counted as reachable at the next one).
   */
  @Test
  void anAnswerLaterThanTheTimeoutCountsAsUnreachable() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("slow"));
    try (MountProbe probe =
        new MountProbe(
            Duration.ofMillis(100),
            Duration.ZERO,
            p -> {
              sleep(300);
              return true;
            })) {
      assertThat(probe.test(mount)).as("overdue").isFalse();
      sleep(400);
      assertThat(probe.test(mount)).as("answered, 200 ms late").isFalse();
    }
  }

  /**
   * A filer that hangs costs the work loop one timeout: the questions asked while that probe still
   * hangs past its timeout answer "unreachable" at once, instead of waiting out a timeout each (the
   * report of the lost storage came one timeout later than it could).
   */
  @Test
  void questionsAboutAProbeAlreadyOverdueAreAnsweredAtOnce() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("hung"));
    java.util.concurrent.CountDownLatch filerAnswers = new java.util.concurrent.CountDownLatch(1);
    try (MountProbe probe =
        new MountProbe(
            Duration.ofMillis(500),
            Duration.ZERO,
            p -> {
              try {
                filerAnswers.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return true;
            })) {
      assertThat(probe.test(mount)).as("overdue").isFalse();
      long asked = System.nanoTime();
      assertThat(probe.test(mount)).as("still hanging").isFalse();
      assertThat(probe.test(mount)).as("still hanging").isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - asked))
          .as("two questions about the hung probe")
          .isLessThan(Duration.ofMillis(250));
    } finally {
      filerAnswers.countDown();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
