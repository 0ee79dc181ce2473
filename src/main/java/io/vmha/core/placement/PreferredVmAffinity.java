package io.vmha.core.placement;

import io.vmha.core.model.VmAffinity;

/**
 * Preferred VM affinity and anti-affinity (A1): a host scores by the weights of the VM's preferred
 * terms it satisfies, less those of the preferred anti-affinity terms it breaks, on 0-100 with 50
 * for a host that does neither. A VM without preferences scores every host alike.
 */
public final class PreferredVmAffinity implements HostScorer {
  private final VmOccupancy occupancy;

  public PreferredVmAffinity(VmOccupancy occupancy) {
    this.occupancy = occupancy;
  }

  public String name() {
    return "PreferredVmAffinity";
  }

  public double score(int host, PlacementRequest request, CapacityLedger ledger) {
    VmAffinity affinity = request.affinity();
    if (!affinity.hasPreferences()) {
      return 50;
    }
    String namespace = request.namespace();
    double total = 0;
    double earned = 0;
    for (VmAffinity.Weighted term : affinity.preferredAffinity()) {
      total += term.weight();
      if (occupancy.hostHolds(host, namespace, term.selector(), request.vmKey())) {
        earned += term.weight();
      }
    }
    for (VmAffinity.Weighted term : affinity.preferredAntiAffinity()) {
      total += term.weight();
      if (occupancy.hostHolds(host, namespace, term.selector(), request.vmKey())) {
        earned -= term.weight();
      }
    }
    return 50 + 50 * earned / total;
  }
}
