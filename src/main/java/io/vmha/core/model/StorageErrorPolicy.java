package io.vmha.core.model;

/**
 * What becomes of a VM whose guest its agent paused for a storage loss (see {@code
 * GuestStorageGuard}).
 */
public enum StorageErrorPolicy {
  AutoResume,
  LeavePaused,
  Kill
}
