package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * When a VM counts as started, for the lower priority tiers restarting after it and for the VMs
 * that name it in {@code startAfter} (docs/rules.md O1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestartReadiness {
  static final String DESCRIPTION =
      "Hold back restarts until this VM is ready: while this highly available VM is being started and not yet"
          + " ready, VMs of lower priority tiers that are being restarted (failover, restart, mass restart after"
          + " an outage) wait, and so do VMs that name it in startAfter. Unset: it holds no tier back (VMs"
          + " naming it in startAfter wait for it to be Running). On a VM it replaces the template's as a whole.";

  /** CEL on a VM or template spec: GuestReady needs a guest agent the spec does not deny. */
  static final String GUEST_READY_NEEDS_AGENT =
      "!has(self.highAvailability) || !has(self.highAvailability.readiness)"
          + " || !has(self.highAvailability.readiness.readyWhen)"
          + " || self.highAvailability.readiness.readyWhen != 'GuestReady'"
          + " || !has(self.guestAgent) || self.guestAgent";

  static final String GUEST_READY_NEEDS_AGENT_MESSAGE =
      "readiness readyWhen GuestReady waits for the guest agent, and guestAgent: false says the guest runs none";

  @JsonPropertyDescription(
      "Running (default): its instance runs. GuestReady: its guest agent also answers the host's ping.")
  private ReadyWhen readyWhen;

  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds it must have been ready before those waiting go on (e.g. time for a database to open). Default 0.")
  private Integer postReadyDelaySeconds;

  @Min(1)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds those waiting wait at most, from when this VM's current phase began; then they start anyway,"
          + " with a Warning event StartOrderTimedOut. Default 120.")
  private Integer timeoutSeconds;

  public ReadyWhen getReadyWhen() {
    return readyWhen;
  }

  public void setReadyWhen(ReadyWhen readyWhen) {
    this.readyWhen = readyWhen;
  }

  public Integer getPostReadyDelaySeconds() {
    return postReadyDelaySeconds;
  }

  public void setPostReadyDelaySeconds(Integer postReadyDelaySeconds) {
    this.postReadyDelaySeconds = postReadyDelaySeconds;
  }

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }
}
