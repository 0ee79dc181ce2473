package io.vmha.agent.libvirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.api.RepositoryType;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.VmHost;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The repositories a host should reach, with their mount paths, from an informer on the
 * StorageRepository objects: {@code Local} ones bound to the host, {@code Shared} ones whose {@code
 * hostSelector} matches the host's labels (none: every host). Whether a mount point is actually
 * readable is the driver's storage check.
 */
public final class RepositoryMounts implements Supplier<Map<String, String>>, AutoCloseable {
  private final String host;
  private final Supplier<VmHost> self;
  private final SharedIndexInformer<StorageRepository> informer;

  private RepositoryMounts(KubernetesClient client, String host, Supplier<VmHost> self) {
    this.host = host;
    this.self = self;
    this.informer = client.resources(StorageRepository.class).runnableInformer(0);
  }

  /**
   * Starts an informer on StorageRepositories; {@code self} gives the host's VmHost (for its
   * labels).
   */
  public static RepositoryMounts startInBackground(
      KubernetesClient client, String host, Supplier<VmHost> self) {
    RepositoryMounts mounts = new RepositoryMounts(client, host, self);
    mounts.informer.exceptionHandler((started, error) -> true).start();
    return mounts;
  }

  /** Whether the StorageRepository cache is filled. */
  public boolean isSynced() {
    return informer.hasSynced();
  }

  public static RepositoryMounts start(
      KubernetesClient client, String host, Supplier<VmHost> self) {
    RepositoryMounts mounts = new RepositoryMounts(client, host, self);
    try {
      mounts.informer.start().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while starting the StorageRepository informer", e);
    } catch (Exception e) {
      throw new IllegalStateException("the StorageRepository informer did not sync", e);
    }
    return mounts;
  }

  @Override
  public Map<String, String> get() {
    VmHost vmHost = self.get();
    Map<String, String> labels =
        vmHost == null || vmHost.getMetadata().getLabels() == null
            ? Map.of()
            : vmHost.getMetadata().getLabels();
    return forHost(host, labels, informer.getStore().list());
  }

  /** The mount paths of the repositories of {@code type} this host reaches. */
  public java.util.List<java.nio.file.Path> mountsOf(RepositoryType type) {
    java.util.List<java.nio.file.Path> mounts = new java.util.ArrayList<>();
    Map<String, String> mine = get();
    for (StorageRepository repository : informer.getStore().list()) {
      String mount = mine.get(repository.getMetadata().getName());
      if (mount != null && repository.getSpec().getType() == type) {
        mounts.add(java.nio.file.Path.of(mount));
      }
    }
    return mounts;
  }

  /**
   * Repository name to mount path, for the repositories {@code host} (with {@code labels}) should
   * reach.
   */
  public static Map<String, String> forHost(
      String host, Map<String, String> labels, Collection<StorageRepository> repositories) {
    Map<String, String> mounts = new TreeMap<>();
    for (StorageRepository repository : repositories) {
      StorageRepositorySpec spec = repository.getSpec();
      if (spec == null || spec.getMountPath() == null || spec.getType() == null) {
        continue;
      }
      boolean mine =
          spec.getType() == RepositoryType.Local
              ? host.equals(spec.getHost())
              : spec.getHostSelector() == null
                  || spec.getHostSelector().entrySet().stream()
                      .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
      if (mine) {
        mounts.put(repository.getMetadata().getName(), spec.getMountPath());
      }
    }
    return mounts;
  }

  @Override
  public void close() {
    informer.stop();
  }
}
