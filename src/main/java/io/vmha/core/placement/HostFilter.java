package io.vmha.core.placement;

import io.vmha.core.PendingReason;
import io.vmha.core.health.HostState;

/**
 * A yes/no placement rule (P1), like a kube-scheduler Filter plugin. A "no" is explained: the
 * rejection text is counted across hosts into the Pending message.
 */
public interface HostFilter {
  String name();

  /** Null if the host passes, else a short text such as "insufficient memory". */
  String reject(HostState host, PlacementRequest request, CapacityLedger ledger);

  /** The Pending reason when this is the last filter any host got to. */
  PendingReason reasonWhenLast();

  /** Whether the answer depends on allocation or on the single request, not only on its class. */
  boolean isDynamic();
}
