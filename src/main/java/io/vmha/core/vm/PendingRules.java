package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.PendingReason;
import io.vmha.core.PlaceCause;
import io.vmha.core.health.HostState;
import io.vmha.core.model.RestartAttempt;
import io.vmha.core.model.VmPhase;
import io.vmha.core.placement.PlacementRequest;
import java.util.List;

/** A VM that should run but has no host: new, stopped, displaced, backing off or waiting. */
final class PendingRules {
  private final PlanContext context;
  private final PlacementQueue queue;
  private final RestartPolicy restarts;

  PendingRules(PlanContext context, PlacementQueue queue, RestartPolicy restarts) {
    this.context = context;
    this.queue = queue;
    this.restarts = restarts;
  }

  void pending(ResolvedVm vm) {
    var status = vm.status();
    if (vm.problem() != null) {
      context
          .log()
          .vm(vm.view(), new Action.KeepPending(vm.key(), vm.problem(), vm.problemMessage()));
      return;
    }
    List<RestartAttempt> attempts = restarts.recentAttempts(vm);
    if (status.backoffUntil() != null && context.now().isBefore(status.backoffUntil())) {
      context.deadlines().consider(status.backoffUntil());
      String message =
          attempts.isEmpty()
              ? "next attempt at " + status.backoffUntil()
              : RestartPolicy.backoffMessage(attempts, status.backoffUntil());
      context
          .log()
          .vm(vm.view(), new Action.KeepPending(vm.key(), PendingReason.BackingOff, message));
      return;
    }
    boolean displaced = status.phase() == VmPhase.Pending && status.instanceName() != null;
    PlaceCause cause =
        status.backoffUntil() != null
            ? PlaceCause.Restart
            : displaced ? PlaceCause.Failover : PlaceCause.Initial;
    if (vm.isLocal()) {
      HostState home = context.host(vm.repository().localHost());
      var running =
          displaced && home.reporting() ? home.instance(vm.key(), status.instanceName()) : null;
      if (running != null && running.isActive() && cause == PlaceCause.Failover) {
        // the disk never stopped running at home (fencing None): adopt it as it is, even on a
        // host that takes no new VMs
        context.ledger().removeUntracked(home.index(), running.resources());
        context.assume(home, vm);
        PlacementQueue.placeOn(context, vm, home, PlaceCause.ReturnToHost);
        return;
      }
      if (!home.isUp()) {
        context
            .log()
            .vm(
                vm.view(),
                new Action.KeepPending(
                    vm.key(),
                    PendingReason.WaitingForHost,
                    "local repository "
                        + vm.repository().name()
                        + " lives on host "
                        + home.name()
                        + ", which is "
                        + home.phase()));
        return;
      }
      if (cause == PlaceCause.Failover) {
        cause = PlaceCause.ReturnToHost;
      }
    }
    queue.place(vm, cause, null, avoidedHosts(attempts));
  }

  private int[] avoidedHosts(List<RestartAttempt> attempts) {
    if (attempts.isEmpty()) {
      return PlacementRequest.NONE;
    }
    return attempts.stream()
        .map(a -> context.host(a.host()))
        .filter(h -> h != null)
        .mapToInt(HostState::index)
        .distinct()
        .toArray();
  }
}
