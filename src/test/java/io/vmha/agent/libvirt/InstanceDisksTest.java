package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;

/**
 * Every instance of a template boots from a disk of its own, a qcow2 overlay whose backing file is
 * the template's image, made with the real {@code qemu-img} (before: every instance booted the
 * template's image read-write, so two instances of one template wrote one disk). The template's
 * image is never written; a standalone VM keeps using its own image.
 */
class InstanceDisksTest {
  @TempDir Path nfs;

  static void assumeQemuImg() {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/qemu-img")),
        "qemu-img is not installed (apt-get install qemu-utils): instance disk tests skipped");
  }

  Path templateImage() throws Exception {
    Path base = nfs.resolve("images/tpl.qcow2");
    Files.createDirectories(base.getParent());
    Process create =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M")
            .redirectErrorStream(true)
            .start();
    assertThat(create.waitFor()).isZero();
    return base;
  }

  static JsonNode info(Path image) throws Exception {
    Process info =
        new ProcessBuilder("qemu-img", "info", "--output=json", "-U", image.toString()).start();
    byte[] out = info.getInputStream().readAllBytes();
    assertThat(info.waitFor()).isZero();
    return new ObjectMapper().readTree(out);
  }

  @Test
  void eachInstanceGetsAnOverlayOverTheTemplateImageWhichIsNeverWritten() throws Exception {
    assumeQemuImg();
    Path base = templateImage();
    byte[] before = Files.readAllBytes(base);
    InstanceDisks disks = new InstanceDisks("qemu-img");

    Path first = disks.overlay(nfs, base, "apps/web", "tpl-1");
    Path second = disks.overlay(nfs, base, "apps/web", "tpl-2");
    Path otherNamespace = disks.overlay(nfs, base, "team-b/web", "tpl-1");

    assertThat(first).isEqualTo(nfs.resolve(".vmha/instances/apps/tpl-1.qcow2"));
    assertThat(java.util.Set.of(first, second, otherNamespace)).hasSize(3);
    for (Path overlay : java.util.List.of(first, second, otherNamespace)) {
      JsonNode info = info(overlay);
      assertThat(info.path("format").asText()).isEqualTo("qcow2");
      assertThat(info.path("backing-filename").asText()).isEqualTo(base.toString());
      assertThat(info.path("backing-filename-format").asText()).isEqualTo("qcow2");
    }
    // a restarted instance keeps its disk (and what it wrote)
    long made = Files.getLastModifiedTime(first).toMillis();
    assertThat(disks.overlay(nfs, base, "apps/web", "tpl-1")).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(first).toMillis()).isEqualTo(made);
    assertThat(Files.readAllBytes(base)).isEqualTo(before);
    try (var left = Files.list(first.getParent())) {
      assertThat(left).allMatch(p -> p.getFileName().toString().endsWith(".qcow2"));
    }
  }

  @Test
  void aMissingTemplateImageIsAClearStartFailure() {
    assumeQemuImg();
    assertThatThrownBy(
            () ->
                new InstanceDisks("qemu-img")
                    .overlay(nfs, nfs.resolve("images/none.qcow2"), "apps/web", "tpl-1"))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("does not exist");
  }

  /** Through the driver: the domain of a template instance boots the overlay, not the image. */
  @Test
  void theDriverBootsATemplateInstanceFromItsOverlay() throws Exception {
    assumeQemuImg();
    Connect libvirt = TestLibvirt.open();
    TestLibvirt.assumeAvailable(libvirt);
    Path base = templateImage();
    try (LibvirtDriver driver =
        LibvirtDriver.builder(TestLibvirt.URI)
            .repositories(() -> Map.of("shared-nfs", nfs.toString()))
            .build()
            .connect()) {
      driver.startFromTemplate(
          new InstanceRef("apps/web", "tpl-7"),
          new Resources(1, 512),
          new ImageRef("shared-nfs", "images/tpl.qcow2"));
      String xml = libvirt.domainLookupByName("apps_tpl-7").getXMLDesc(0);
      assertThat(xml)
          .contains("<source file='" + nfs.resolve(".vmha/instances/apps/tpl-7.qcow2") + "'/>")
          .doesNotContain("<source file='" + base + "'/>");
      driver.stop(new InstanceRef("apps/web", "tpl-7"));
    } finally {
      TestLibvirt.removeAllBut(libvirt, TestLibvirt.PREDEFINED);
      libvirt.close();
    }
  }
}
