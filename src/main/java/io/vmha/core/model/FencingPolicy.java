package io.vmha.core.model;

public enum FencingPolicy {
  SelfFence,
  None
}
