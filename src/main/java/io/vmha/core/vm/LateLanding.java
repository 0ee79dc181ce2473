package io.vmha.core.vm;

import io.vmha.core.health.HostState;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmPhase;

/**
 * A live migration can land after the operator called it off: the abort was decided on reports
 * taken before the migration began, and libvirt finished it before the source agent could cancel
 * it. The guest then runs on a host its VM does not name, under the VM's own instance name. That
 * copy is the guest itself, not a stale one: stopping it would lose the guest's memory and leave
 * the VM to be started again from its disk. It is left alone while the source still reports the
 * migration under way, and adopted once the source no longer runs the instance, or keeps only the
 * paused copy a switch-over whose confirmation failed leaves behind.
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
   * The host that runs the VM's instance after a migration nobody asked for any more: exactly one
   * other reporting host runs it under the same name (instance names are never reused for a VM, so
   * only a migration puts one there), and the VM's own host reports it no longer runs the instance,
   * or keeps it paused while that other host runs it. Null if there is none, or more than one.
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
    HostState landed = null;
    for (HostState host : context.copies().of(vm.key(), status.instanceName())) {
      if (host == source
          || status
              .staleInstances()
              .contains(new StaleInstance(host.name(), status.instanceName()))) {
        // a copy the operator already found stale (left behind by an earlier move of the guest,
        // on a host it could not reach then) holds older memory over disks that moved on
        continue;
      }
      if (landed != null) {
        return null;
      }
      landed = host;
    }
    InstanceReport left = source.instance(vm.key(), status.instanceName());
    if (landed == null || left == null || !left.isActive()) {
      return landed;
    }
    // the source pauses its copy at the switch-over and destroys it once the target confirms; a
    // paused copy beside one the target runs is a switch-over whose last step failed. The running
    // copy is the guest: resuming the paused one would run it twice, from older memory
    boolean switchedOver =
        left.state() == InstanceState.Paused
            && landed.instance(vm.key(), status.instanceName()).state() == InstanceState.Running;
    return switchedOver ? landed : null;
  }
}
