package io.vmha.core;

/** Why an agent must stop (and remove) an instance. */
public enum StopReason {
  /** The VM was re-placed elsewhere; this copy is a leftover (F4). */
  Stale,
  /** The VM has {@code running: false} (L1). */
  NotRunning,
  /** The VM is being deleted (L2). */
  Deleted,
  /** No VM claims this instance. */
  Orphan,
  /** The instance failed or stopped on its own; its remains are cleaned up (F6). */
  Failed
}
