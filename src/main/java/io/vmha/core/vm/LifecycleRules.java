package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.LeaveReason;
import io.vmha.core.StopReason;
import io.vmha.core.health.HostState;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmPhase;

/** L1 ({@code running: false}) and L2 (deletion): stop every instance before letting go. */
final class LifecycleRules {
  private final PlanContext context;

  LifecycleRules(PlanContext context) {
    this.context = context;
  }

  /** L1: stop the instance, then record {@code Stopped}. */
  void stop(ResolvedVm vm) {
    var status = vm.status();
    if (!status.isPlaced()) {
      context.log().vm(vm.view(), new Action.StopVm(vm.key()));
      return;
    }
    boolean stillRunning =
        stopOrForget(vm, status.host(), StopReason.NotRunning)
            | stopOrForget(vm, status.migrationTarget(), StopReason.NotRunning)
            | migrationMayStillLand(vm, StopReason.NotRunning);
    if (stillRunning) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.UpdateVmPhase(
                  vm.key(), VmPhase.Stopping, "StopRequested", stoppingMessage(vm)));
      return;
    }
    context.release(context.host(status.host()), vm);
    if (status.phase() != VmPhase.Migrating) {
      // while still Migrating the source may hand the instance over right after the target
      // reported: the target keeps the reservation through this plan, and the sweeper counts
      // and stops whatever lands there
      context.release(context.host(status.migrationTarget()), vm);
    }
    context.log().vm(vm.view(), new Action.StopVm(vm.key()));
  }

  /**
   * True while the instance still runs on a reporting host (a stop order is out). A host that does
   * not report either stopped it (fenced) or gets it recorded as stale, to be stopped on return.
   */
  private boolean stopOrForget(ResolvedVm vm, String hostName, StopReason reason) {
    HostState host = context.host(hostName);
    if (host == null) {
      return false;
    }
    String name = vm.status().instanceName();
    if (host.reporting()) {
      if (host.instance(vm.key(), name) == null) {
        return false;
      }
      context.log().stop(new Action.StopInstance(host.name(), name, vm.key(), reason));
      return true;
    }
    if (!host.heartbeatFresh() && !context.knownStopped(host)) {
      context.log().vm(vm.view(), new Action.RecordStaleInstance(vm.key(), host.name(), name));
    }
    return false;
  }

  /** L2: remove the VM once no instance of it can still run; wait for a lost, unfenced host. */
  void delete(ResolvedVm vm) {
    var status = vm.status();
    String name = status.instanceName();
    HostState waitFor = null;
    boolean stopping = false;
    for (String hostName : new String[] {status.host(), status.migrationTarget()}) {
      HostState host = context.host(hostName);
      if (host == null) {
        continue;
      }
      if (host.reporting()) {
        if (host.instance(vm.key(), name) != null) {
          context
              .log()
              .stop(new Action.StopInstance(host.name(), name, vm.key(), StopReason.Deleted));
          stopping = true;
        }
      } else if (mayStillRun(host)) {
        waitFor = host;
      }
    }
    stopping |= migrationMayStillLand(vm, StopReason.Deleted);
    for (StaleInstance stale : status.staleInstances()) {
      HostState host = context.host(stale.host());
      if (host == null) {
        continue;
      }
      if (host.reporting()) {
        // the sweeper orders the stop; deletion waits until the host no longer reports it
        stopping |= host.instance(vm.key(), stale.instanceName()) != null;
      } else if (mayStillRun(host)) {
        waitFor = host;
      }
    }
    if (!status.isPlaced() && vm.isLocal() && name != null) {
      HostState local = context.host(vm.repository().localHost());
      if (local != null && local.reporting()) {
        stopping |= local.instance(vm.key(), name) != null;
      } else if (local != null && mayStillRun(local)) {
        waitFor = local;
      }
    }
    if (waitFor != null) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.LeaveAlone(
                  vm.key(),
                  LeaveReason.DeletionWaitsForHost,
                  "host "
                      + waitFor.name()
                      + " is "
                      + waitFor.phase()
                      + " and not known fenced: the instance may still run there"));
    } else if (stopping) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.UpdateVmPhase(
                  vm.key(), VmPhase.Stopping, "Deleting", stoppingMessage(vm)));
    } else {
      context.log().vm(vm.view(), new Action.RemoveVm(vm.key()));
    }
  }

  /**
   * Reports of the two ends are not taken at one instant: right after a hand-over neither may show
   * the instance. Until a grace period after the phase began, and for as long as the target's last
   * report is older than the source's, the stop order goes to both.
   */
  private boolean migrationMayStillLand(ResolvedVm vm, StopReason reason) {
    var status = vm.status();
    if (status.migrationTarget() == null) {
      return false;
    }
    HostState target = context.host(status.migrationTarget());
    boolean targetBehind =
        target != null
            && target.reporting()
            && !PlanContext.reportedSinceHandOver(context.host(status.host()), target);
    var until =
        status.phaseSince() == null
            ? null
            : status.phaseSince().plus(context.settings().hostGracePeriod());
    boolean inGrace = until != null && context.now().isBefore(until);
    if (!inGrace && !targetBehind) {
      return false;
    }
    if (inGrace) {
      context.deadlines().consider(until);
    }
    for (String hostName : new String[] {status.host(), status.migrationTarget()}) {
      HostState host = context.host(hostName);
      if (host != null
          && host.reporting()
          && host.instance(vm.key(), status.instanceName()) == null) {
        context
            .log()
            .stop(new Action.StopInstance(host.name(), status.instanceName(), vm.key(), reason));
      }
    }
    return true;
  }

  private boolean mayStillRun(HostState host) {
    return host.heartbeatFresh() || !context.knownStopped(host);
  }

  private static String stoppingMessage(ResolvedVm vm) {
    return "stopping instance " + vm.status().instanceName() + " on host " + vm.status().host();
  }
}
