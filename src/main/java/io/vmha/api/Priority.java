package io.vmha.api;

/** Failover and migration priority of a VM: capacity goes to higher priority first (P4). */
public enum Priority {
  High,
  Medium,
  Low
}
