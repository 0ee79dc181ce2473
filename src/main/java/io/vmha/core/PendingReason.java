package io.vmha.core;

/** Why a VM that should run is not placed; becomes the {@code Pending} phase reason. */
public enum PendingReason {
  /** Hosts pass every other filter but lack free cpu or memory. */
  NoCapacity,
  /** No host that is up and matches the selector reaches the VM's repository. */
  RepositoryUnreachable,
  /** No host that is up matches the VM's host selector. */
  NoHostMatchesSelector,
  /** No host is up and schedulable at all. */
  NoHostAvailable,
  /** The VM's image is on a local repository whose host is not up (F2). */
  WaitingForHost,
  /**
   * Every host that could take the VM would break a required affinity or anti-affinity rule of the
   * VM or of a VM already there.
   */
  AffinityConflict,
  /**
   * A VM of a higher priority tier that sets a readiness is being started and is not ready yet; the
   * VM restarts after it, or after its timeout (O1).
   */
  WaitingForPriorityTier,
  /** A VM it names in {@code startAfter} is being started and is not ready yet (O1). */
  WaitingForDependency,
  /** Placing the VM would eat capacity reserved for failover (P5). */
  FailoverCapacityReserved,
  /** The last start failed; the next attempt waits for the backoff (F6). */
  BackingOff,
  /** A live instance it no longer claims still runs and is being stopped (I1). */
  OldInstanceRunning,
  TemplateNotFound,
  RepositoryNotFound,
  /** A local repository names a host that does not exist. */
  LocalHostNotFound,
  /** The operator found the VM invalid (see the message). */
  Invalid
}
