package io.vmha.agent.libvirt;

import io.vmha.agent.DriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the disks of template instances that are gone, so a repository does not fill with the
 * overlays of every instance a failover or restart left behind. An overlay is kept while anything
 * may still use it: a VM names its instance (its current instance, or a stale instance that may
 * still run on a lost host), a host reports an instance of that name, a QEMU holds the file (its
 * image lock), or it was written recently (an instance being placed). Only one host sweeps a
 * repository: the SPM the shared ones, a host its own local ones.
 */
final class OverlaySweeper {
  private static final Logger LOG = LoggerFactory.getLogger(OverlaySweeper.class);

  /** Long enough for an instance the operator just placed to be named in its VM's status. */
  static final Duration MIN_AGE = Duration.ofMinutes(10);

  private final Predicate<Path> heldByQemu;

  /**
   * @param heldByQemu whether a QEMU has the file open (its image lock); true when unsure
   */
  OverlaySweeper(Predicate<Path> heldByQemu) {
    this.heldByQemu = heldByQemu;
  }

  /**
   * Deletes from the repositories mounted at {@code mounts} the overlays no one uses.
   *
   * @param inUse "namespace/instance" of every instance some VM or host still names
   * @return the overlays deleted
   */
  List<Path> sweep(Collection<Path> mounts, Set<String> inUse, Instant now) {
    List<Path> deleted = new ArrayList<>();
    for (Path mount : mounts) {
      Path root = mount.resolve(InstanceDisks.DIRECTORY);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> namespaces = Files.list(root)) {
        for (Path namespace : namespaces.filter(Files::isDirectory).toList()) {
          deleted.addAll(sweepNamespace(namespace, inUse, now));
        }
      } catch (IOException e) {
        LOG.warn("overlays: cannot list {}: {}", root, e.toString());
      }
    }
    return deleted;
  }

  private List<Path> sweepNamespace(Path namespace, Set<String> inUse, Instant now)
      throws IOException {
    List<Path> deleted = new ArrayList<>();
    try (Stream<Path> files = Files.list(namespace)) {
      for (Path overlay : files.filter(OverlaySweeper::isOverlay).toList()) {
        String name = overlay.getFileName().toString();
        String instance = name.substring(0, name.length() - ".qcow2".length());
        if (inUse.contains(namespace.getFileName() + "/" + instance)
            || Files.getLastModifiedTime(overlay).toInstant().isAfter(now.minus(MIN_AGE))
            || heldByQemu.test(overlay)) {
          continue;
        }
        Files.deleteIfExists(overlay);
        LOG.info("overlays: deleted {}: no VM or host names instance {}", overlay, instance);
        deleted.add(overlay);
      }
    }
    return deleted;
  }

  private static boolean isOverlay(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".qcow2") && !name.startsWith(".") && Files.isRegularFile(file);
  }

  /** {@code qemu-img}'s answer: an image a running QEMU has open cannot be opened for reading. */
  static Predicate<Path> qemuImgLock(InstanceDisks disks) {
    return overlay -> {
      try {
        disks.inspectLocked(overlay);
        return false;
      } catch (DriverException e) {
        return true;
      }
    };
  }
}
