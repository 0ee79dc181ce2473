package io.vmha.core.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code VmHost} as the operator sees it.
 *
 * @param lastHeartbeatSeen when the operator, by its own clock, last saw the host's heartbeat lease
 *     change. For a host it has not seen renew since it started, the operator passes its own start
 *     time: every host then gets a full grace period after an operator restart (H5).
 * @param report the agent's last report, or null if the agent never reported
 * @param recordedPhase the phase the operator last wrote, or null if never
 * @param renewalObserved this operator has seen the host's Lease change since it began to lead:
 *     only then are new VMs placed there (a host that died just before a leader change still looks
 *     fresh to the new leader for a grace period)
 * @param power the host's power fencing through its BMC, or null if it has no power management
 */
public record HostView(
    String name,
    Map<String, String> labels,
    Resources capacity,
    boolean unschedulable,
    boolean maintenance,
    boolean deleting,
    SpmPriority spmPriority,
    Instant lastHeartbeatSeen,
    AgentReport report,
    HostPhase recordedPhase,
    boolean fencingRequested,
    boolean renewalObserved,
    PowerFenceView power) {

  public HostView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(lastHeartbeatSeen, "lastHeartbeatSeen");
    labels = Map.copyOf(labels);
    spmPriority = spmPriority == null ? SpmPriority.Normal : spmPriority;
  }

  public boolean powerManaged() {
    return power != null;
  }

  /** PF3: the BMC confirmed, in this outage, that the host is off. */
  public boolean poweredOff() {
    return powerFenceThisOutage(PowerFenceView.State.PoweredOff);
  }

  /** PF4: the power fence of this outage failed. */
  public boolean powerFenceFailed() {
    return powerFenceThisOutage(PowerFenceView.State.Failed);
  }

  private boolean powerFenceThisOutage(PowerFenceView.State state) {
    return power != null && power.state() == state && power.forOutageSince(lastHeartbeatSeen);
  }
}
