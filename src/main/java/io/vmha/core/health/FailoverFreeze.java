package io.vmha.core.health;

import io.vmha.core.model.HostPhase;
import java.util.List;

/**
 * H5: when more than {@code maxUnhealthyFraction} of hosts look lost at once, the likelier cause
 * is the operator's own view (its network, the API server), so failover stops until it clears.
 */
public record FailoverFreeze(boolean frozen, int notResponding, int total, String message) {

  public static FailoverFreeze judge(List<HostState> hosts, double maxUnhealthyFraction) {
    int lost = (int) hosts.stream().filter(h -> h.phase() == HostPhase.NotResponding).count();
    int total = hosts.size();
    boolean frozen = total > 0 && lost > maxUnhealthyFraction * total;
    String percent = Math.round(maxUnhealthyFraction * 100) + "%";
    String message =
        frozen
            ? lost + "/" + total + " hosts are NotResponding (more than " + percent
                + "): failover is frozen, as a fault on the operator's side is likelier"
            : lost + "/" + total + " hosts are NotResponding (at most " + percent
                + "): failover is active";
    return new FailoverFreeze(frozen, lost, total, message);
  }
}
