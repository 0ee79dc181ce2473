package io.vmha.core.placement;

import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import java.util.Map;

/**
 * What one VM needs from a host.
 *
 * @param excludedHost index of a host that must not be chosen (the one the VM leaves), or -1
 * @param avoidedHosts indexes of hosts where the VM recently failed to start; chosen last (F6)
 */
public record PlacementRequest(
    String vmKey,
    Resources resources,
    RepositoryView repository,
    Map<String, String> hostSelector,
    int excludedHost,
    int[] avoidedHosts) {

  public static final int[] NONE = new int[0];

  boolean avoids(int host) {
    for (int avoided : avoidedHosts) {
      if (avoided == host) {
        return true;
      }
    }
    return false;
  }
}
