package io.vmha.core.placement;

import io.vmha.core.PendingReason;

/** Where a VM goes, or why it cannot go anywhere. */
public sealed interface PlacementOutcome {
  record Placed(int host) implements PlacementOutcome {}

  /**
   * @param message kube-scheduler style, e.g. "0/5 hosts available: 3 insufficient memory"
   */
  record Unplaceable(PendingReason reason, String message) implements PlacementOutcome {}
}
