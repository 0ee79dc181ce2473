package io.vmha.core.vm;

import io.vmha.core.health.HostState;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.VmPhase;

/**
 * A live migration can land after the operator called it off: the abort was decided on reports
 * taken before the migration began, and libvirt finished it before the source agent could cancel
 * it. The guest then runs on a host its VM does not name, under the VM's own instance name. That
 * copy is the guest itself, not a stale one: stopping it would lose the guest's memory and leave
 * the VM to be started again from its disk. It is left alone while the source still reports the
 * migration under way, and adopted once the source no longer runs the instance.
 */
final class LateLanding {
  private LateLanding() {}

  /**
   * {@code instance} on {@code host} is the VM's own, and the host the VM is placed on reports
   * migrating it there: it may be the guest's only copy any moment now.
   */
  static boolean underWay(
      PlanContext context, ResolvedVm vm, HostState host, InstanceReport instance) {
    var status = vm.status();
    if (!instance.instanceName().equals(status.instanceName())
        || host.name().equals(status.host())) {
      return false;
    }
    HostState source = context.host(status.host());
    if (source == null || !source.reporting()) {
      return false;
    }
    InstanceReport outgoing = source.instance(vm.key(), status.instanceName());
    return outgoing != null && outgoing.isMigratingTo(host.name());
  }

  /**
   * The host that runs the VM's instance after a migration nobody asked for any more: the VM's own
   * host reports it no longer runs the instance, and exactly one other reporting host runs it under
   * the same name (instance names are never reused for a VM, so only a migration puts one there).
   * Null if there is none, or more than one.
   */
  static HostState landedOn(PlanContext context, ResolvedVm vm) {
    var status = vm.status();
    if (status.host() == null
        || status.migrationTarget() != null
        || status.instanceName() == null
        || (status.phase() != VmPhase.Running && status.phase() != VmPhase.Paused)) {
      return null;
    }
    HostState source = context.host(status.host());
    if (source == null || !source.reporting()) {
      return null;
    }
    InstanceReport left = source.instance(vm.key(), status.instanceName());
    if (left != null && left.isActive()) {
      return null;
    }
    HostState landed = null;
    for (HostState host : context.hostList()) {
      if (host == source || !host.reporting()) {
        continue;
      }
      InstanceReport copy = host.instance(vm.key(), status.instanceName());
      if (copy != null && copy.isActive()) {
        if (landed != null) {
          return null;
        }
        landed = host;
      }
    }
    return landed;
  }
}
