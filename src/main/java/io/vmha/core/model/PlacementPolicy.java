package io.vmha.core.model;

public enum PlacementPolicy {
  LeastAllocated,
  BinPacking
}
