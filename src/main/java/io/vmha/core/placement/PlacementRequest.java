package io.vmha.core.placement;

import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.VmAffinity;
import java.util.Map;

/**
 * What one VM needs from a host.
 *
 * @param excludedHost index of a host that must not be chosen (the one the VM leaves), or -1
 * @param avoidedHosts indexes of hosts where the VM recently failed to start; chosen last (F6)
 * @param labels the VM's labels, which other VMs' affinity terms select
 */
public record PlacementRequest(
    String vmKey,
    Resources resources,
    RepositoryView repository,
    Map<String, String> hostSelector,
    int excludedHost,
    int[] avoidedHosts,
    Map<String, String> labels,
    VmAffinity affinity) {

  public static final int[] NONE = new int[0];

  /** The VM's namespace; affinity terms select VMs of it only. */
  String namespace() {
    // asked for every candidate host of every VM placed, so compared in place rather than cut out
    return vmKey.substring(0, vmKey.indexOf('/'));
  }

  /** Whether {@code key} ({@code namespace/name}) names a VM of this request's namespace. */
  boolean sameNamespace(String namespace) {
    int slash = vmKey.indexOf('/');
    return namespace.length() == slash && vmKey.regionMatches(0, namespace, 0, slash);
  }

  boolean avoids(int host) {
    for (int avoided : avoidedHosts) {
      if (avoided == host) {
        return true;
      }
    }
    return false;
  }
}
