package io.vmha.core.health;

import io.vmha.core.Action;
import io.vmha.core.ActionLog;
import io.vmha.core.model.HostView;
import io.vmha.core.model.PowerFenceView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * PF2, PF5: which lost hosts the operator powers off through their BMC, and which records of
 * earlier fences it clears.
 *
 * <p>No fencing storms: nothing is powered off while failover is frozen, nor while the share of
 * hosts silent for longer than one heartbeat short of the power-fenced grace period is above the
 * threshold. Hosts cut off together go silent within one heartbeat of each other, so by the time
 * the first crosses the shorter grace period every other one is counted (the same reasoning as
 * {@link FailoverFreeze}, at the shorter period).
 */
public final class PowerFenceRules {
  private PowerFenceRules() {}

  /** The freeze judged at the power-fenced grace period; not frozen if no host has a BMC. */
  public static FailoverFreeze freeze(
      List<HostState> hosts,
      double maxUnhealthyFraction,
      Instant now,
      Duration powerFencedGracePeriod,
      Duration heartbeatInterval) {
    if (hosts.stream().noneMatch(h -> h.view().powerManaged())) {
      return new FailoverFreeze(false, 0, hosts.size(), "");
    }
    return FailoverFreeze.judge(
        hosts, maxUnhealthyFraction, now, powerFencedGracePeriod.minus(heartbeatInterval));
  }

  /**
   * @param frozen failover is frozen, or would be at the power-fenced grace period
   * @param liveGuests lost hosts whose guests still renew their own heartbeat (F3)
   */
  public static void decide(
      List<HostState> hosts, boolean frozen, Set<String> liveGuests, ActionLog log) {
    for (HostState host : hosts) {
      HostView view = host.view();
      if (!view.powerManaged()) {
        continue;
      }
      boolean current = view.power().forOutageSince(view.lastHeartbeatSeen());
      if (host.heartbeatFresh()) {
        if (!current
            && view.power().state() != PowerFenceView.State.Idle
            && view.renewalObserved()) {
          log.fleet(new Action.ClearPowerFence(host.name()));
        }
      } else if (!current && !frozen && !liveGuests.contains(host.name())) {
        log.fleet(
            new Action.PowerFence(
                host.name(), "host " + host.name() + " is NotResponding: no heartbeat renewed"));
      }
    }
  }
}
