package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.StopReason;
import io.vmha.core.health.HostState;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import java.util.Map;
import java.util.Objects;

/**
 * Looks at every instance the reporting hosts run that no VM's placement claims: leftovers of a
 * re-placed VM (F4) and instances of VMs that no longer exist are stopped, and they count against
 * the host's capacity until they are gone (I3). Instances vmha did not start (no VM) count against
 * capacity and are never stopped. The VM rules deal with claimed instances, and with the guest of a
 * live migration that lands after it was called off ({@link LateLanding}).
 */
final class InstanceSweeper {
  private final PlanContext context;
  private final Map<String, ResolvedVm> vms;
  private final Map<String, String> unclaimedCopies;

  /**
   * @param unclaimedCopies filled with the live instances of existing VMs that their placement does
   *     not claim, by VM key: the host each still runs on
   */
  InstanceSweeper(
      PlanContext context, Map<String, ResolvedVm> vms, Map<String, String> unclaimedCopies) {
    this.context = context;
    this.vms = vms;
    this.unclaimedCopies = unclaimedCopies;
  }

  void sweep() {
    for (HostState host : context.hostList()) {
      if (!host.reporting()) {
        continue;
      }
      for (InstanceReport instance : host.view().report().instances()) {
        ResolvedVm vm = vms.get(instance.vmKey());
        if (vm != null && (claims(vm.status(), host, instance) || landedHere(vm, host, instance))) {
          continue;
        }
        if (instance.isActive()) {
          context.ledger().addUntracked(host.index(), instance.resources());
          if (vm != null) {
            unclaimedCopies.put(vm.key(), host.name());
          }
        }
        if (instance.isForeign()) {
          continue; // not vmha's: it never had a copy elsewhere, and it is not vmha's to stop
        }
        if (vm != null
            && instance.isActive()
            && (awaitsReturn(vm, host, instance)
                || LateLanding.underWay(context, vm, host, instance))) {
          continue; // counted as untracked until the VM adopts it
        }
        context
            .log()
            .stop(
                new Action.StopInstance(
                    host.name(),
                    instance.instanceName(),
                    instance.vmKey(),
                    vm == null ? StopReason.Orphan : StopReason.Stale));
      }
    }
  }

  static boolean claims(VmStatusView status, HostState host, InstanceReport instance) {
    return instance.instanceName().equals(status.instanceName())
        && (host.name().equals(status.host()) || host.name().equals(status.migrationTarget()));
  }

  /** The guest of a migration that landed after it was called off: the VM adopts it now. */
  private boolean landedHere(ResolvedVm vm, HostState host, InstanceReport instance) {
    return instance.instanceName().equals(vm.status().instanceName())
        && LateLanding.landedOn(context, vm) == host;
  }

  /** A local VM waiting for its host: the instance there is its own disk, to be adopted (F2). */
  static boolean awaitsReturn(ResolvedVm vm, HostState host, InstanceReport instance) {
    var status = vm.status();
    return vm.view().running()
        && !vm.view().deleting()
        && vm.isLocal()
        && status.host() == null
        && status.phase() == VmPhase.Pending
        && host.name().equals(vm.repository().localHost())
        && Objects.equals(instance.instanceName(), status.instanceName());
  }
}
