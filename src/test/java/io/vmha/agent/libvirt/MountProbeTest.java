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
}
