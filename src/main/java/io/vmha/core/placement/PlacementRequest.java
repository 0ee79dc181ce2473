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

  String namespace() {
    return vmKey.substring(0, vmKey.indexOf('/'));
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
