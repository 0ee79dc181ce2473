package io.vmha.agent.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.DriverException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The disks of template instances: each instance boots from a qcow2 overlay of its own, {@code
 * <repository>/.vmha/instances/<namespace>/<instance>.qcow2}, whose backing file is the template's
 * image, so the image is only ever read, and two instances never share a writable disk. The overlay
 * lives on the repository beside the image, so it follows the instance wherever the repository is
 * mounted (failover, live migration). Made with {@code qemu-img}; an overlay that exists (the
 * instance restarted) is kept.
 */
final class InstanceDisks {
  static final String DIRECTORY = ".vmha/instances";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 60;

  private final String qemuImg;

  InstanceDisks(String qemuImg) {
    this.qemuImg = qemuImg;
  }

  /** Where the overlay of {@code instanceName} of VM {@code vmKey} lives in its repository. */
  static Path overlayPath(Path mount, String vmKey, String instanceName) {
    String namespace = DomainXml.namespaceOf(vmKey);
    return mount.resolve(DIRECTORY).resolve(namespace).resolve(instanceName + ".qcow2");
  }

  /**
   * The instance's own disk over {@code base}, created if missing.
   *
   * @throws DriverException if {@code base} cannot be read or the overlay cannot be made
   */
  Path overlay(Path mount, Path base, String vmKey, String instanceName) throws DriverException {
    Path overlay = overlayPath(mount, vmKey, instanceName);
    if (Files.exists(overlay)) {
      return overlay;
    }
    if (!Files.isRegularFile(base)) {
      throw new DriverException("template image " + base + " does not exist");
    }
    String format = format(base);
    try {
      Files.createDirectories(overlay.getParent());
      Path partial =
          Files.createTempFile(overlay.getParent(), "." + instanceName + ".", ".partial");
      Files.delete(partial); // qemu-img creates it; the name only reserves it
      run(
          List.of(
              qemuImg,
              "create",
              "-q",
              "-f",
              "qcow2",
              "-F",
              format,
              "-b",
              base.toString(),
              partial.toString()));
      // a half-made overlay is never booted: it gets its name only once complete
      Files.move(partial, overlay, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DriverException("cannot create the disk of " + instanceName + ": " + e, e);
    }
    return overlay;
  }

  /**
   * Reads {@code image} taking QEMU's shared lock, as a QEMU starting on it would: fails while a
   * running QEMU holds it for writing.
   */
  void inspectLocked(Path image) throws DriverException {
    run(List.of(qemuImg, "info", "--output=json", image.toString()));
  }

  private String format(Path image) throws DriverException {
    String info = run(List.of(qemuImg, "info", "--output=json", "-U", image.toString()));
    try {
      return JSON.readTree(info).path("format").asText("raw");
    } catch (IOException e) {
      throw new DriverException("qemu-img info " + image + " said: " + info, e);
    }
  }

  private static String run(List<String> command) throws DriverException {
    try {
      Process process =
          new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new DriverException(String.join(" ", command) + " did not finish");
      }
      String text = new String(output, StandardCharsets.UTF_8).trim();
      if (process.exitValue() != 0) {
        throw new DriverException(String.join(" ", command) + " failed: " + text);
      }
      return text;
    } catch (IOException e) {
      throw new DriverException("cannot run " + command.get(0) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("interrupted while running " + command.get(0), e);
    }
  }
}
