package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disks of gone template instances are deleted; anything that may still be used is kept. */
class OverlaySweeperTest {
  static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  @Test
  void onlyAnOldOverlayNoOneNamesOrHoldsIsDeleted(@TempDir Path mount) throws Exception {
    Path gone = overlay(mount, "apps", "web-1", Duration.ofHours(1));
    Path current = overlay(mount, "apps", "web-4", Duration.ofHours(1));
    Path otherNamespace = overlay(mount, "team-b", "web-1", Duration.ofHours(1));
    Path young = overlay(mount, "apps", "web-5", Duration.ofMinutes(2));
    Path held = overlay(mount, "apps", "web-2", Duration.ofHours(1));
    Path partial = mount.resolve(".vmha/instances/apps/.web-6.123.partial");
    Files.writeString(partial, "being made");

    List<Path> deleted =
        new OverlaySweeper(held::equals)
            .sweep(List.of(mount), Set.of("apps/web-4", "team-b/web-1"), NOW);

    assertThat(deleted).containsExactly(gone);
    assertThat(gone).doesNotExist();
    assertThat(List.of(current, otherNamespace, young, held, partial)).allMatch(Files::exists);
  }

  @Test
  void aRepositoryWithoutOverlaysIsLeftAlone(@TempDir Path mount) throws Exception {
    Files.writeString(mount.resolve("image.qcow2"), "a VM's own image");
    assertThat(new OverlaySweeper(p -> false).sweep(List.of(mount), Set.of(), NOW)).isEmpty();
    assertThat(mount.resolve("image.qcow2")).exists();
  }

  /** With real qemu-img: an overlay a process holds with QEMU's write lock counts as in use. */
  @Test
  void qemuImgSaysWhetherAnImageIsFree(@TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new ProcessBuilder("qemu-img", "--version").start().waitFor() == 0,
        "no qemu-img (apt-get install qemu-utils)");
    Path image = dir.resolve("free.qcow2");
    assertThat(
            new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "1M")
                .start()
                .waitFor())
        .isZero();
    assertThat(OverlaySweeper.qemuImgLock(new InstanceDisks("qemu-img")).test(image)).isFalse();
    assertThat(OverlaySweeper.qemuImgLock(new InstanceDisks("qemu-img")).test(dir.resolve("x")))
        .as("unsure (no such image): keep")
        .isTrue();
  }

  static Path overlay(Path mount, String namespace, String instance, Duration age)
      throws Exception {
    Path file = mount.resolve(".vmha/instances/" + namespace + "/" + instance + ".qcow2");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "overlay");
    Files.setLastModifiedTime(file, FileTime.from(NOW.minus(age)));
    return file;
  }
}
