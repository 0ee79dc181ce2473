package io.vmha.core.model;

public enum SpmPriority {
  Never,
  Low,
  Normal,
  High
}
