package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.FailReason;
import io.vmha.core.LeaveReason;
import io.vmha.core.PendingReason;
import io.vmha.core.PlaceCause;
import io.vmha.core.health.HostState;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.placement.PlacementRequest;
import java.time.Instant;

/** F1–F5 and H5: a placed VM whose host does not report (or no longer exists). */
final class LostHostRules {
  private final PlanContext context;
  private final PlacementQueue queue;

  LostHostRules(PlanContext context, PlacementQueue queue) {
    this.context = context;
    this.queue = queue;
  }

  /**
   * @param host the lost host, or null if the host object no longer exists
   */
  void hostLost(ResolvedVm vm, HostState host) {
    var status = vm.status();
    if (completedMigration(vm, host)) {
      return;
    }
    if (host != null && context.freeze().frozen()) {
      // H5: no write per VM while frozen. A mass failure is most likely the operator's own outage,
      // when the VMs are fine; when it is real (a site without power), a write per VM there and
      // another once it ends crowd out the heartbeats of the hosts coming back. The hosts'
      // FailoverFrozen condition and event say it.
      return;
    }
    boolean poweredOff = host != null && host.view().poweredOff();
    if (host != null && !poweredOff && awaitsFreezeEnd(vm, host)) {
      return;
    }
    if (!poweredOff && context.guestHeartbeatFresh(vm)) {
      if (host != null) {
        context.liveGuests().add(host.name());
      }
      context
          .log()
          .vm(
              vm.view(),
              new Action.LeaveAlone(
                  vm.key(),
                  LeaveReason.GuestAgentAlive,
                  "agent of host " + status.host() + " is lost but the guest agent still reports"));
      return;
    }
    Instant powerWait = host == null ? null : context.awaitingPowerFence(host);
    if (powerWait != null) {
      // While the fence is young the VM's status stays as it was: the host's PowerFenced
      // condition tells, and a status write per VM would compete with the failover's own writes
      // a second later. A failed fence means a wait until the self-fence deadline: that is said.
      if (host.view().powerFenceFailed()) {
        context
            .log()
            .vm(
                vm.view(),
                new Action.LeaveAlone(
                    vm.key(), LeaveReason.AwaitingPowerFence, powerFenceFailed(host, powerWait)));
      }
      return;
    }
    context.release(host, vm);
    context.release(context.host(status.migrationTarget()), vm);
    String lostAs =
        "host " + status.host() + (host == null ? " no longer exists" : " is NotResponding");
    if (!context.knownStopped(host) && !vm.isLocal()) {
      // F4 with fencing None: the old copy may still run; stop it when the host reports again
      context
          .log()
          .vm(
              vm.view(),
              new Action.RecordStaleInstance(vm.key(), status.host(), status.instanceName()));
    }
    restartAfterHostLoss(vm, lostAs, host);
  }

  /**
   * F7: the host is back, but its agent started afresh (a new run, or a self-fence) after the VM
   * was recorded in its phase, and does not have the instance: it went down with its host (a crash,
   * a power loss, a watchdog reset). It restarts as after a failover, without backoff or a failed
   * attempt counted (the VM did nothing wrong), on any host including this one, in P4 order and O1
   * tiers; a VM without high availability is Failed (F5). The agent does not start it again by
   * itself.
   */
  void lostWithHost(ResolvedVm vm, HostState host, Instant freshStart) {
    context.release(host, vm);
    restartAfterHostLoss(
        vm,
        "host " + host.name() + " started afresh at " + freshStart + " without its instance",
        null);
  }

  private void restartAfterHostLoss(ResolvedVm vm, String lostAs, HostState leaving) {
    if (!vm.ha()) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.MarkFailed(
                  vm.key(), FailReason.HostFailed, lostAs + " and high availability is disabled"));
    } else if (vm.problem() != null) {
      context
          .log()
          .vm(vm.view(), new Action.KeepPending(vm.key(), vm.problem(), vm.problemMessage()));
    } else if (vm.isLocal()) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.KeepPending(
                  vm.key(),
                  PendingReason.WaitingForHost,
                  "image is on local repository " + vm.repository().name() + "; " + lostAs));
    } else {
      queue.place(vm, PlaceCause.Failover, leaving, PlacementRequest.NONE);
    }
  }

  /** H5: the host was silent during a freeze that has just ended (see PlanContext). */
  private boolean awaitsFreezeEnd(ResolvedVm vm, HostState host) {
    Instant waitsUntil = context.awaitingAfterFreeze(host);
    if (waitsUntil == null) {
      return false;
    }
    boolean selfFence = context.settings().fencing() == FencingPolicy.SelfFence;
    context
        .log()
        .vm(
            vm.view(),
            new Action.LeaveAlone(
                vm.key(),
                selfFence ? LeaveReason.AwaitingSelfFence : LeaveReason.AwaitingReport,
                "failover resumed at "
                    + context.failoverResumedAt()
                    + " but host "
                    + host.name()
                    + (selfFence
                        ? " was silent during the outage, when agents hold off self-fencing:"
                            + " its VMs count as stopped from "
                        : " was silent during the outage and may just not have reported back"
                            + " yet: its VMs stay until ")
                    + waitsUntil));
    return true;
  }

  private static String powerFenceFailed(HostState host, Instant selfFenceDue) {
    return "host "
        + host.name()
        + " could not be powered off ("
        + host.view().power().message()
        + "): its VMs restart elsewhere when it must have fenced itself, at "
        + selfFenceDue;
  }

  /**
   * The source is lost, but the target already has the instance: the migration made it. A paused
   * instance counts too (the target lost storage): it is the VM's only live copy, and failing over
   * beside it would run two; once it is the VM's placement, S1 moves it on.
   */
  private boolean completedMigration(ResolvedVm vm, HostState source) {
    var status = vm.status();
    HostState target = context.host(status.migrationTarget());
    if (target == null || !target.reporting()) {
      return false;
    }
    var instance = target.instance(vm.key(), status.instanceName());
    if (instance == null || !instance.isActive()) {
      return false;
    }
    context.release(source, vm);
    context
        .log()
        .vm(vm.view(), new Action.CompleteMigration(vm.key(), status.host(), target.name()));
    return true;
  }
}
