package io.vmha.core.health;

import io.vmha.core.model.HostPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * H5: when more than {@code maxUnhealthyFraction} of hosts look lost at once, the likelier cause is
 * the operator's own view (its network, the API server), so failover stops until it clears.
 *
 * <p>Hosts that went silent together do not cross the grace period together: they expire one
 * heartbeat apart. Counting only {@code NotResponding} hosts would fail over the first one before
 * the rest expire, so a host counts as lost once it has been silent for {@code silentAfter} (the
 * self-fence delay): by the time the first host is judged, every host cut off with it is counted.
 * "For" means at least: an agent's fencing falls due at exactly {@code silentAfter}, and that is
 * when the exemption for a mass outage starts to matter, so the freeze must already count it.
 */
public record FailoverFreeze(boolean frozen, int notResponding, int total, String message) {

  public static FailoverFreeze judge(
      List<HostState> hosts, double maxUnhealthyFraction, Instant now, Duration silentAfter) {
    Instant silentSince = now.minus(silentAfter);
    int lost =
        (int)
            hosts.stream()
                .filter(
                    h ->
                        h.phase() == HostPhase.NotResponding
                            || !h.view().lastHeartbeatSeen().isAfter(silentSince))
                .count();
    int total = hosts.size();
    boolean frozen = total > 0 && lost > maxUnhealthyFraction * total;
    String percent = Math.round(maxUnhealthyFraction * 100) + "%";
    String message =
        frozen
            ? lost
                + "/"
                + total
                + " hosts are NotResponding or silent (more than "
                + percent
                + "): failover is frozen, as a fault on the operator's side is likelier"
            : lost
                + "/"
                + total
                + " hosts are NotResponding or silent (at most "
                + percent
                + "): failover is active";
    return new FailoverFreeze(frozen, lost, total, message);
  }
}
