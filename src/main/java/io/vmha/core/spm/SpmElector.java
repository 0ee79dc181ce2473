package io.vmha.core.spm;

import io.vmha.core.Action;
import io.vmha.core.ActionLog;
import io.vmha.core.Deadlines;
import io.vmha.core.health.HostState;
import io.vmha.core.model.SpmLeaseView;
import io.vmha.core.model.SpmPriority;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * S3, S4: exactly one eligible host holds the {@code vmha-spm} Lease. A new holder is assigned only
 * when the lease has no holder or has expired by the operator's clock, so two hosts never both
 * believe they are SPM: an agent stops acting as SPM when it has not renewed for the lease
 * duration, and the operator saw the last renewal no earlier than it happened.
 *
 * <p>Among eligible hosts, those whose heartbeat was seen within {@code quietAfter} come first: a
 * host that has gone quiet but is not yet judged lost (a dead agent, a partition) could not take
 * the role up, and the fleet would wait a whole lease duration for the next choice.
 */
public final class SpmElector {
  private static final Comparator<HostState> PREFERENCE =
      Comparator.<HostState>comparingInt(h -> -h.view().spmPriority().ordinal())
          .thenComparing(HostState::name);

  private final Duration quietAfter;

  /**
   * @param quietAfter how long without a heartbeat a host counts as quiet (the engine uses two
   *     heartbeat intervals, as the agents do for "I reach the API server")
   */
  public SpmElector(Duration quietAfter) {
    this.quietAfter = quietAfter;
  }

  /**
   * @return the holder after this plan, or null
   */
  public String elect(
      SpmLeaseView lease,
      List<HostState> hosts,
      Map<String, HostState> byName,
      Instant now,
      ActionLog log,
      Deadlines deadlines) {
    if (!lease.isExpiredAt(now)) {
      deadlines.consider(lease.expiresAt());
      HostState holder = byName.get(lease.holder());
      if (holder != null && holder.reporting()) {
        var view = holder.view();
        if (!view.report().storageConnected() && !view.fencingRequested()) {
          log.fleet(new Action.RequestFencing(holder.name(), "SPM host lost storage"));
        } else if (view.maintenance() || view.deleting()) {
          log.fleet(new Action.ReleaseSpm(holder.name()));
        }
      }
      return lease.holder();
    }
    Instant quietSince = now.minus(quietAfter);
    HostState best =
        hosts.stream()
            .filter(SpmElector::eligible)
            .min(
                Comparator.<HostState, Boolean>comparing(
                        h -> !h.view().lastHeartbeatSeen().isAfter(quietSince))
                    .thenComparing(PREFERENCE))
            .orElse(null);
    if (best == null) {
      return null;
    }
    log.fleet(new Action.AssignSpm(best.name()));
    return best.name();
  }

  static boolean eligible(HostState host) {
    var view = host.view();
    return host.isUp()
        && !view.maintenance()
        && !view.deleting()
        && view.spmPriority() != SpmPriority.Never;
  }
}
