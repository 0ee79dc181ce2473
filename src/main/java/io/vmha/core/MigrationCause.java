package io.vmha.core;

/** Why a VM is live-migrated off its host. */
public enum MigrationCause {
  StorageLost,
  NetworkLost,
  Maintenance,
  HostDeleting,
  Fencing
}
