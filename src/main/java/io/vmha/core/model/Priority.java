package io.vmha.core.model;

public enum Priority {
  High,
  Medium,
  Low
}
