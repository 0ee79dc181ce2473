package io.vmha.agent.libvirt;

import io.vmha.agent.DriverException;
import io.vmha.api.ImageRef;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image repositories a host should reach, as name to mount path (the agent wiring reads them
 * from the StorageRepository objects), and where an image's file is in them: {@code
 * <mountPath>/<path>}, never outside the repository.
 *
 * <p>A repository is reachable when its mount point passes the storage check (default: a {@link
 * MountProbe}, closed with this); storage is connected when every one of them is reachable.
 */
final class ImageRepositories implements AutoCloseable {
  // the driver's logger name: log configuration and readers filter on it
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  /** An image file and the mount point of the repository it is in. */
  record ImageFile(Path mount, Path file) {}

  private final Supplier<Map<String, String>> repositories;
  private final Predicate<Path> storageCheck;
  private final AutoCloseable ownedProbe;

  /** {@code storageCheck} null: a {@link MountProbe} of its own. */
  ImageRepositories(Supplier<Map<String, String>> repositories, Predicate<Path> storageCheck) {
    this.repositories = repositories;
    MountProbe probe = storageCheck == null ? MountProbe.defaults() : null;
    this.storageCheck = probe != null ? probe : storageCheck;
    this.ownedProbe = probe;
  }

  ImageFile locate(ImageRef image) throws DriverException {
    if (image == null || image.getRepository() == null || image.getPath() == null) {
      throw new DriverException("no image to start from");
    }
    String mountPath = repositories.get().get(image.getRepository());
    if (mountPath == null) {
      throw new DriverException(
          "repository " + image.getRepository() + " is not available on this host");
    }
    if (!mountReadable(mountPath)) {
      throw new DriverException(
          "repository "
              + image.getRepository()
              + " is not reachable: its mount point "
              + mountPath
              + " cannot be read");
    }
    try {
      Path mount = Path.of(mountPath).normalize();
      Path disk = mount.resolve(image.getPath()).normalize();
      if (!disk.startsWith(mount) || disk.equals(mount)) {
        throw new DriverException(
            "image path " + image.getPath() + " leaves repository " + image.getRepository());
      }
      // a symbolic link inside the repository may point anywhere on the host: follow it
      if (java.nio.file.Files.exists(disk) && !disk.toRealPath().startsWith(mount.toRealPath())) {
        throw new DriverException(
            "image path "
                + image.getPath()
                + " is a link that leaves repository "
                + image.getRepository());
      }
      return new ImageFile(mount, disk);
    } catch (InvalidPathException e) {
      throw new DriverException("invalid image path " + image.getPath() + ": " + e.getMessage());
    } catch (java.io.IOException e) {
      throw new DriverException("cannot resolve image path " + image.getPath() + ": " + e, e);
    }
  }

  /** Whether every repository this host should reach is reachable. */
  boolean allReachable() {
    return repositories.get().values().stream().allMatch(this::mountReadable);
  }

  /** The names of the repositories whose mount point is readable, sorted. */
  Set<String> reachable() {
    Set<String> reachable = new TreeSet<>();
    repositories
        .get()
        .forEach(
            (name, mountPath) -> {
              if (mountReadable(mountPath)) {
                reachable.add(name);
              }
            });
    return reachable;
  }

  private boolean mountReadable(String mountPath) {
    try {
      return mountPath != null && storageCheck.test(Path.of(mountPath));
    } catch (RuntimeException e) {
      LOG.debug("storage check of {} failed: {}", mountPath, e.toString());
      return false;
    }
  }

  @Override
  public void close() {
    if (ownedProbe != null) {
      try {
        ownedProbe.close();
      } catch (Exception e) {
        LOG.debug("closing the mount probe", e);
      }
    }
  }
}
