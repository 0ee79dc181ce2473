package io.vmha.core;

/** Why a VM whose host looks lost is deliberately left where it is. */
public enum LeaveReason {
  /** Its guest agent still renews its heartbeat: only the host agent is gone (F3). */
  GuestAgentAlive,
  /**
   * Failover has just resumed after a freeze, and the VM's host was silent during it: its agent may
   * have held off self-fencing, so failover waits until it must have fenced (H5, F4).
   */
  AwaitingSelfFence,
  /**
   * The same moment with fencing None: the host was silent during the freeze, most likely cut off
   * with the rest, so it gets as long to report back before its VMs start elsewhere with a stale
   * record (H5).
   */
  AwaitingReport,
  /**
   * The host is being powered off through its BMC, or that failed: its VMs restart elsewhere once
   * the BMC confirms it is off, or at the latest when the host must have fenced itself (PF4).
   */
  AwaitingPowerFence,
  /** Deletion waits for the host to report, as the instance may still run there (L2). */
  DeletionWaitsForHost,
  /** The VM must leave its host but cannot be migrated (see the message). */
  CannotMigrate
}
