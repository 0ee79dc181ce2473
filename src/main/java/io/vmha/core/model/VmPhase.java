package io.vmha.core.model;

public enum VmPhase {
  Pending,
  Starting,
  Running,
  Paused,
  Migrating,
  Stopping,
  Stopped,
  Failed
}
