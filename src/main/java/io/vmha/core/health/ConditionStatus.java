package io.vmha.core.health;

public enum ConditionStatus {
  True,
  False,
  Unknown
}
