package io.vmha.core.vm;

import io.vmha.core.ActionLog;
import io.vmha.core.Deadlines;
import io.vmha.core.Settings;
import io.vmha.core.health.DrainObstacles;
import io.vmha.core.health.FailoverFreeze;
import io.vmha.core.health.HostState;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.placement.CapacityLedger;
import io.vmha.core.placement.FailoverReserve;
import io.vmha.core.placement.Placer;
import io.vmha.core.placement.VmOccupancy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What every VM rule of one plan shares.
 *
 * @param drains where the VM rules note each VM they leave on a host it must leave, for that host's
 *     {@code Drained} condition
 * @param liveGuests where the VM rules note each lost host whose guests still renew their own
 *     heartbeat (F3): it is not powered off, as only its agent is gone
 * @param placementsPerPlan how many VMs one plan places at most (P7)
 * @param copies the reporting hosts that run each instance, as the plan began
 */
public record PlanContext(
    Settings settings,
    Instant now,
    List<HostState> hostList,
    Map<String, HostState> hosts,
    CapacityLedger ledger,
    VmOccupancy occupancy,
    Placer placer,
    FailoverReserve reserve,
    FailoverFreeze freeze,
    Instant failoverResumedAt,
    Deadlines deadlines,
    ActionLog log,
    InstanceNames names,
    DrainObstacles drains,
    java.util.Set<String> liveGuests,
    int placementsPerPlan,
    ActiveCopies copies) {

  public HostState hostAt(int index) {
    return hostList.get(index);
  }

  public HostState host(String name) {
    return name == null ? null : hosts.get(name);
  }

  /**
   * Whether some host is up but this operator has not yet seen it renew (a new leader's first
   * heartbeat interval): placements refused now may succeed at the next renewal, which plans again.
   */
  public boolean hostsAwaitingRenewal() {
    for (HostState host : hostList) {
      if (host.phase() == io.vmha.core.model.HostPhase.Up && !host.view().renewalObserved()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the VMs of a host that does not report are known to be stopped: the host object is
   * gone, or it fenced itself (SelfFence: H1 guarantees the agent stopped its VMs before the grace
   * period ended), or its BMC confirmed it is off (PF3). Not while failover is frozen: then the
   * agents may be cut off from the API server together, and their peers keep them from fencing. Nor
   * {@linkplain #awaitingSelfFence right after} failover resumed.
   */
  public boolean knownStopped(HostState host) {
    if (host == null || host.view().poweredOff()) {
      return true;
    }
    return settings.fencing() == FencingPolicy.SelfFence
        && !freeze.frozen()
        && awaitingAfterFreeze(host) == null
        && awaitingPowerFence(host) == null;
  }

  /**
   * PF4: a host with power management is judged lost sooner than it must have fenced itself. Until
   * the BMC confirms it is off, or failing that until the grace period ends (when H1 guarantees the
   * self-fence), its VMs may still run. Returns the end of that wait, or null if it is over or does
   * not apply.
   */
  public Instant awaitingPowerFence(HostState host) {
    var view = host.view();
    if (!view.powerManaged() || view.poweredOff()) {
      return null;
    }
    Instant until = view.lastHeartbeatSeen().plus(settings.hostGracePeriod());
    if (!now.isBefore(until)) {
      return null;
    }
    deadlines.consider(until);
    return until;
  }

  /**
   * H5: a host already silent when failover resumed may have been one of those cut off in the
   * outage. With SelfFence its agent held off fencing and fed its watchdog until the outage ended,
   * so it fences at its next heartbeat, or its watchdog resets the host {@code selfFenceAfter}
   * after its last feed if the agent died meanwhile. With None nothing stops its VMs, and it most
   * likely just has not reported back yet. Either way its VMs stay where they are until {@code
   * selfFenceAfter + heartbeatInterval} after the resumption. Returns the end of that wait, or null
   * if it is over (or does not apply).
   */
  public Instant awaitingAfterFreeze(HostState host) {
    if (failoverResumedAt == null || !host.view().lastHeartbeatSeen().isBefore(failoverResumedAt)) {
      return null;
    }
    Instant until =
        failoverResumedAt.plus(settings.selfFenceAfter()).plus(settings.heartbeatInterval());
    if (!now.isBefore(until)) {
      return null;
    }
    deadlines.consider(until);
    return until;
  }

  /**
   * Whether the migration target's report is recent enough to show a hand-over. The source agent
   * hands the instance over before it reports without it, so a target that reported no earlier than
   * the source would show it. A target whose last report is older (its agent died or lags right
   * after accepting) may run the instance without having said so yet.
   */
  public static boolean reportedSinceHandOver(HostState source, HostState target) {
    return source == null
        || !target.view().lastHeartbeatSeen().isBefore(source.view().lastHeartbeatSeen());
  }

  public boolean guestHeartbeatFresh(ResolvedVm vm) {
    var seen = vm.view().lastGuestHeartbeatSeen();
    if (!vm.guestAgent() || seen == null) {
      return false;
    }
    Instant expiry = seen.plus(settings.hostGracePeriod());
    deadlines.consider(expiry);
    return now.isBefore(expiry);
  }

  public void assume(HostState host, ResolvedVm vm) {
    ledger.add(host.index(), vm.resources(), vm.isFailoverProtected());
    occupancy.add(
        host.index(), new VmOccupancy.Occupant(vm.key(), vm.view().labels(), vm.affinity()));
  }

  public void release(HostState host, ResolvedVm vm) {
    if (host != null) {
      ledger.remove(host.index(), vm.resources(), vm.isFailoverProtected());
      occupancy.remove(host.index(), vm.key());
    }
  }
}
