package io.vmha.agent.sim;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.api.RepositoryType;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.VmHost;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which StorageRepositories a simulated host reaches, from the objects in the cluster: its own
 * local repositories always, the shared ones whose host selector matches its labels while its
 * storage is connected. A real host learns this from its mounts.
 */
final class ClusterRepositoryCatalog implements SimulatedDriver.RepositoryCatalog {
  private final SharedIndexInformer<VmHost> hosts;
  private final SharedIndexInformer<StorageRepository> repositories;

  ClusterRepositoryCatalog(
      SharedIndexInformer<VmHost> hosts, SharedIndexInformer<StorageRepository> repositories) {
    this.hosts = hosts;
    this.repositories = repositories;
  }

  @Override
  public Set<String> reachable(String host, boolean storageConnected) {
    VmHost vmHost = hosts.getStore().getByKey(host);
    Map<String, String> labels =
        vmHost == null || vmHost.getMetadata().getLabels() == null
            ? Map.of()
            : vmHost.getMetadata().getLabels();
    Set<String> reachable = new HashSet<>();
    for (StorageRepository repository : repositories.getStore().list()) {
      StorageRepositorySpec spec = repository.getSpec();
      if (spec == null) {
        continue;
      }
      if (spec.getType() == RepositoryType.Local) {
        if (host.equals(spec.getHost())) {
          reachable.add(repository.getMetadata().getName());
        }
      } else if (storageConnected && matches(spec.getHostSelector(), labels)) {
        reachable.add(repository.getMetadata().getName());
      }
    }
    return reachable;
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return selector == null
        || selector.entrySet().stream()
            .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }
}
