package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.vmha.api.RepositoryType;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which repositories a host should reach, and where they are mounted; no libvirt needed. */
class RepositoryMountsTest {
  static StorageRepository repo(
      String name, RepositoryType type, String host, Map<String, String> selector) {
    StorageRepository repo = new StorageRepository();
    repo.setMetadata(new ObjectMetaBuilder().withName(name).build());
    StorageRepositorySpec spec = new StorageRepositorySpec();
    spec.setType(type);
    spec.setHost(host);
    spec.setHostSelector(selector);
    spec.setMountPath("/srv/" + name);
    repo.setSpec(spec);
    return repo;
  }

  @Test
  void localOnesOfTheHostAndSharedOnesItsLabelsSelect() {
    List<StorageRepository> all =
        List.of(
            repo("nfs", RepositoryType.Shared, null, null),
            repo("ssd-rack1", RepositoryType.Shared, null, Map.of("rack", "1")),
            repo("ssd-rack2", RepositoryType.Shared, null, Map.of("rack", "2")),
            repo("kvm-1-disk", RepositoryType.Local, "kvm-1", null),
            repo("kvm-2-disk", RepositoryType.Local, "kvm-2", null));
    assertThat(RepositoryMounts.forHost("kvm-1", Map.of("rack", "1"), all))
        .containsExactly(
            Map.entry("kvm-1-disk", "/srv/kvm-1-disk"),
            Map.entry("nfs", "/srv/nfs"),
            Map.entry("ssd-rack1", "/srv/ssd-rack1"));
    assertThat(RepositoryMounts.forHost("kvm-3", Map.of(), all)).containsOnlyKeys("nfs");
  }

  @Test
  void incompleteObjectsAreSkipped() {
    StorageRepository noSpec = new StorageRepository();
    noSpec.setMetadata(new ObjectMetaBuilder().withName("empty").build());
    StorageRepository noMount = repo("nomount", RepositoryType.Shared, null, null);
    noMount.getSpec().setMountPath(null);
    assertThat(RepositoryMounts.forHost("kvm-1", Map.of(), List.of(noSpec, noMount))).isEmpty();
  }
}
