package io.vmha.core.model;

public enum HostPhase {
  Up,
  NotResponding,
  NonOperational,
  PreparingForMaintenance,
  Maintenance,
  Fencing,
  Fenced
}
