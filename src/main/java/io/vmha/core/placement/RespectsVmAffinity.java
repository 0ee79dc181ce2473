package io.vmha.core.placement;

import io.vmha.core.PendingReason;
import io.vmha.core.health.HostState;
import io.vmha.core.model.LabelSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Required VM affinity and anti-affinity (issue 17, docs/rules.md A1). Anti-affinity holds both
 * ways, as in Kubernetes: the VM may not join a VM its terms select, nor a VM whose terms select
 * it. It runs before {@link Filters.FitsResources} so that a host both full and forbidden is
 * counted as forbidden: more capacity would not make it fit.
 */
public final class RespectsVmAffinity implements HostFilter {
  private final VmOccupancy occupancy;
  private Asked asked;

  public RespectsVmAffinity(VmOccupancy occupancy) {
    this.occupancy = occupancy;
  }

  public String name() {
    return "RespectsVmAffinity";
  }

  public String reject(HostState host, PlacementRequest request, CapacityLedger ledger) {
    Asked about = asked(request);
    // a VM here whose terms select this one
    VmOccupancy.Occupant repelling =
        occupancy.repelling(
            host.index(), request.vmKey(), about.namespace, about.labelPairs, request.labels());
    if (repelling != null) {
      return "would break anti-affinity with " + repelling.key();
    }
    // a VM here that this one's terms select
    for (LabelSelector term : request.affinity().requiredAntiAffinity()) {
      VmOccupancy.Occupant selected =
          occupancy.firstOn(host.index(), about.namespace, term, request.vmKey());
      if (selected != null) {
        return "would break anti-affinity with " + selected.key();
      }
    }
    for (LabelSelector term : request.affinity().requiredAffinity()) {
      if (occupancy.hostHolds(host.index(), about.namespace, term, request.vmKey())) {
        continue;
      }
      boolean firstOfItsGroup = term.matches(request.labels()) && !about.groupRuns(term);
      if (!firstOfItsGroup) {
        return about.brokenAffinity(term);
      }
    }
    return null;
  }

  private Asked asked(PlacementRequest request) {
    if (asked == null || asked.request != request) {
      asked = new Asked(request);
    }
    return asked;
  }

  /**
   * What does not change while one request is asked about every candidate host: its namespace and
   * label pairs, whether each affinity term's group runs somewhere (costly: every host's VMs), and
   * the rejection texts.
   */
  private final class Asked {
    final PlacementRequest request;
    final String namespace;
    final List<String> labelPairs = new ArrayList<>();
    final Map<LabelSelector, Boolean> groupRuns = new HashMap<>();
    final Map<LabelSelector, String> texts = new HashMap<>();

    Asked(PlacementRequest request) {
      this.request = request;
      this.namespace = request.namespace();
      request.labels().forEach((key, value) -> labelPairs.add(VmOccupancy.pair(key, value)));
    }

    boolean groupRuns(LabelSelector term) {
      return groupRuns.computeIfAbsent(
          term, t -> occupancy.runsOnAnUpHost(namespace, t, request.vmKey()));
    }

    String brokenAffinity(LabelSelector term) {
      return texts.computeIfAbsent(term, t -> "would break affinity with " + t);
    }
  }

  public PendingReason reasonWhenLast() {
    return PendingReason.AffinityConflict;
  }

  public boolean isDynamic() {
    return true;
  }
}
