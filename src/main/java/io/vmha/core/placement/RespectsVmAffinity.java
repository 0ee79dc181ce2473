package io.vmha.core.placement;

import io.vmha.core.PendingReason;
import io.vmha.core.health.HostState;
import io.vmha.core.model.LabelSelector;

/**
 * Required VM affinity and anti-affinity (issue 17, docs/rules.md A1). Anti-affinity holds both
 * ways, as in Kubernetes: the VM may not join a VM its terms select, nor a VM whose terms select
 * it. It runs before {@link Filters.FitsResources} so that a host both full and forbidden is
 * counted as forbidden: more capacity would not make it fit.
 */
public final class RespectsVmAffinity implements HostFilter {
  private final VmOccupancy occupancy;

  public RespectsVmAffinity(VmOccupancy occupancy) {
    this.occupancy = occupancy;
  }

  public String name() {
    return "RespectsVmAffinity";
  }

  public String reject(HostState host, PlacementRequest request, CapacityLedger ledger) {
    if (request.affinity().isEmpty() && !occupancy.anyRules()) {
      return null;
    }
    String namespace = request.namespace();
    for (VmOccupancy.Occupant occupant : occupancy.on(host.index())) {
      if (occupant.key().equals(request.vmKey()) || !occupant.namespace().equals(namespace)) {
        continue;
      }
      if (request.affinity().repels(occupant.labels())
          || occupant.affinity().repels(request.labels())) {
        return "would break anti-affinity with " + occupant.key();
      }
    }
    for (LabelSelector term : request.affinity().requiredAffinity()) {
      if (occupancy.hostHolds(host.index(), namespace, term, request.vmKey())) {
        continue;
      }
      boolean firstOfItsGroup =
          term.matches(request.labels())
              && !occupancy.runsOnAnUpHost(namespace, term, request.vmKey());
      if (!firstOfItsGroup) {
        return "would break affinity with " + term;
      }
    }
    return null;
  }

  public PendingReason reasonWhenLast() {
    return PendingReason.AffinityConflict;
  }

  public boolean isDynamic() {
    return true;
  }
}
