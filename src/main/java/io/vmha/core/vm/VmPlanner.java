package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.health.HostState;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmView;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides what happens to every VM. Each VM is first sorted into one case (deleting, stopping,
 * placed on a lost host, placed on a reporting host, waiting for a host); the cases that need
 * capacity queue up and are placed in P4 order once every VM was seen.
 */
public final class VmPlanner {
  private final PlanContext context;
  private final PlacementQueue queue;
  private final LifecycleRules lifecycle;
  private final LostHostRules lostHosts;
  private final ReportedStateRules reported;
  private final PendingRules pending;
  private StartOrder startOrder;

  public VmPlanner(PlanContext context) {
    this.context = context;
    this.queue = new PlacementQueue(context, context.hostList().size());
    RestartPolicy restarts = new RestartPolicy(context);
    this.lifecycle = new LifecycleRules(context);
    this.lostHosts = new LostHostRules(context, queue);
    this.reported = new ReportedStateRules(context, queue, restarts, lostHosts);
    this.pending = new PendingRules(context, queue, restarts);
  }

  public void plan(FleetSnapshot snapshot) {
    VmResolver resolver = new VmResolver(snapshot);
    ResolvedVm[] vms = new ResolvedVm[snapshot.vms().size()];
    Map<String, ResolvedVm> byKey = new HashMap<>(vms.length * 2);
    for (int i = 0; i < vms.length; i++) {
      vms[i] = resolver.resolve(snapshot.vms().get(i));
      byKey.put(vms[i].key(), vms[i]);
    }
    Arrays.sort(vms, Comparator.comparing(ResolvedVm::key));
    for (ResolvedVm vm : vms) {
      assumeCurrentPlacement(vm);
    }
    Map<String, String> unclaimedCopies = new HashMap<>();
    new InstanceSweeper(context, byKey, unclaimedCopies).sweep();
    queue.holdWhileCopiesRun(unclaimedCopies);
    startOrder = new StartOrder(context, byKey);
    queue.orderStartsBy(startOrder);
    for (ResolvedVm vm : vms) {
      forgetStoppedStaleInstances(vm);
      decide(vm);
    }
    queue.run();
  }

  /** The startAfter lists {@link #plan} ignored, with why (O1). */
  public Map<String, StartDependencies.Refusal> startOrderRefusals() {
    return startOrder.refused();
  }

  private void decide(ResolvedVm vm) {
    VmView view = vm.view();
    var status = vm.status();
    if (view.deleting()) {
      lifecycle.delete(vm);
    } else if (!view.running()) {
      lifecycle.stop(vm);
    } else if (status.isPlaced()) {
      HostState host = context.host(status.host());
      if (host == null || !host.heartbeatFresh()) {
        lostHosts.hostLost(vm, host);
      } else if (host.reporting()) {
        reported.follow(vm, host);
      }
      // a fresh host that never reported: nothing to judge yet
    } else if (status.phase() != VmPhase.Failed) {
      pending.pending(vm);
    }
  }

  private void assumeCurrentPlacement(ResolvedVm vm) {
    var status = vm.status();
    HostState host = context.host(status.host());
    if (host != null) {
      context.assume(host, vm);
    }
    HostState target = context.host(status.migrationTarget());
    if (target != null && status.isPlaced()) {
      context.assume(target, vm);
    }
  }

  /** F4: a stale record is done once its host reports again without it, or is gone. */
  private void forgetStoppedStaleInstances(ResolvedVm vm) {
    for (StaleInstance stale : vm.status().staleInstances()) {
      HostState host = context.host(stale.host());
      if (host == null
          || (host.reporting() && host.instance(vm.key(), stale.instanceName()) == null)) {
        context
            .log()
            .vm(
                vm.view(),
                new Action.ClearStaleInstance(vm.key(), stale.host(), stale.instanceName()));
      }
    }
  }
}
