package io.vmha.core;

/** Why a VM is being placed. */
public enum PlaceCause {
  /** First start, or start again after {@code running: false} (L1). */
  Initial,
  /** Its host is {@code NotResponding} (F1); the operator counts a failover. */
  Failover,
  /** The last start failed and the backoff is over (F6). */
  Restart,
  /** A local-repository VM goes back to its host, keeping its instance name (F2). */
  ReturnToHost;

  /** The VM's {@code status.reason} after a placement for this cause. */
  public String reason() {
    return switch (this) {
      case Initial -> "Placed";
      case Failover -> "FailedOver";
      case Restart -> "Restarted";
      case ReturnToHost -> "ReturnedToHost";
    };
  }
}
