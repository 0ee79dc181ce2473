package io.vmha.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * What the operator knows of powering a host off through its BMC (PF1-PF5). A host without power
 * management has none.
 *
 * @param state where the last power fence stands, {@link State#Idle} if none was asked for
 * @param requestedAt when the operator, by its own clock, began the last power fence; null if
 *     {@link State#Idle}. A fence counts for the outage it was begun in: one begun before the
 *     host's last renewal was for an earlier outage
 * @param message what the operator last recorded about it (the BMC's answer, why it failed)
 */
public record PowerFenceView(State state, Instant requestedAt, String message) {

  public enum State {
    /** Power management is configured and nothing is under way. */
    Idle,
    /** The operator has sent, or is sending, the power-off and waits for the BMC to confirm. */
    PoweringOff,
    /** The BMC confirmed the host's power is off: nothing runs there. */
    PoweredOff,
    /** The BMC could not be reached, refused, or did not confirm in time. */
    Failed
  }

  public static final PowerFenceView IDLE = new PowerFenceView(State.Idle, null, "");

  public PowerFenceView {
    Objects.requireNonNull(state, "state");
    message = message == null ? "" : message;
    if (state != State.Idle) {
      Objects.requireNonNull(requestedAt, "requestedAt");
    }
  }

  /** Whether this fence was begun after the host was last seen renewing: it is for this outage. */
  public boolean forOutageSince(Instant lastHeartbeatSeen) {
    return state != State.Idle && requestedAt.isAfter(lastHeartbeatSeen);
  }
}
