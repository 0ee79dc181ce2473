package io.vmha.core.placement;

/** Ranks a host that passed every filter, 0 (worst) to 100 (best), like a Score plugin (P2). */
public interface HostScorer {
  String name();

  double score(int host, PlacementRequest request, CapacityLedger ledger);
}
