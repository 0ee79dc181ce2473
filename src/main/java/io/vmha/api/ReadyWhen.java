package io.vmha.api;

/** When a VM counts as started for those that wait for it (readiness). */
public enum ReadyWhen {
  /** Its instance runs. */
  Running,
  /** Its instance runs and its guest agent answers the host's ping. */
  GuestReady
}
