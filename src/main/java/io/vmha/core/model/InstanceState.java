package io.vmha.core.model;

public enum InstanceState {
  Starting,
  Running,
  Paused,
  Stopped,
  Failed
}
