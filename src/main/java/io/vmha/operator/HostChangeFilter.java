package io.vmha.operator;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.vmha.api.VmHost;
import java.util.Objects;

/**
 * A host matters to the plan when its spec, labels or deletion change, or when its agent reports
 * something new, or a power fence moves on; the operator's other status writes do not.
 */
public final class HostChangeFilter implements OnUpdateFilter<VmHost> {
  @Override
  public boolean accept(VmHost updated, VmHost old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(updated.getMetadata().getLabels(), old.getMetadata().getLabels())
        || !Objects.equals(
            updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp())
        || !Objects.equals(updated.getMetadata().getFinalizers(), old.getMetadata().getFinalizers())
        || !Objects.equals(reported(updated), reported(old))
        // a power fence's outcome is written off the planning thread and read by the next plan
        || !Objects.equals(powerFencing(updated), powerFencing(old));
  }

  private static String powerFencing(VmHost host) {
    return host.getStatus() == null || host.getStatus().getPowerFencing() == null
        ? null
        : Serialization.asJson(host.getStatus().getPowerFencing());
  }

  private static String reported(VmHost host) {
    return host.getStatus() == null || host.getStatus().getReported() == null
        ? null
        : Serialization.asJson(host.getStatus().getReported());
  }
}
