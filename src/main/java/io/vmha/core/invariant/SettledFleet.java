package io.vmha.core.invariant;

import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What must hold once the faults are over and the fleet had time to settle: I2 (every VM that
 * should run runs, or says why not), L1 (a stopped VM is Stopped), L2 (a deleted VM is gone, and no
 * instance is left that no VM claims). Checked at any other time these fail on work in progress.
 */
final class SettledFleet {
  private SettledFleet() {}

  static void check(FleetFacts facts, List<Violation> found) {
    for (FleetFacts.Vm vm : facts.vms()) {
      checkVm(vm, found);
    }
    Map<String, FleetFacts.Vm> vms =
        facts.vms().stream().collect(Collectors.toMap(FleetFacts.Vm::key, Function.identity()));
    for (FleetFacts.Host host : facts.hosts()) {
      for (InstanceReport instance : host.instances()) {
        // an instance vmha did not start is not vmha's to stop
        if (!instance.isForeign() && !claimed(vms.get(instance.vmKey()), host, instance)) {
          found.add(
              new Violation(
                  "L2",
                  instance.vmKey(),
                  host.name(),
                  "instance "
                      + instance.instanceName()
                      + " of "
                      + instance.vmKey()
                      + " left on "
                      + host.name()
                      + " that nothing tracks"));
        }
      }
    }
  }

  private static void checkVm(FleetFacts.Vm vm, List<Violation> found) {
    VmStatusView status = vm.status();
    if (vm.deleting()) {
      found.add(
          new Violation(
              "L2", vm.key(), null, "deleting VM " + vm.key() + " never went: " + status));
    }
    if (!vm.running()) {
      if (status.phase() != VmPhase.Stopped) {
        found.add(new Violation("L1", vm.key(), null, "stopped VM " + vm.key() + " is " + status));
      }
      return;
    }
    boolean settled =
        status.phase() == VmPhase.Running
            || ((status.phase() == VmPhase.Pending || status.phase() == VmPhase.Failed)
                && status.reason() != null);
    if (!settled) {
      found.add(
          new Violation("I2", vm.key(), null, "VM " + vm.key() + " did not settle: " + status));
    }
  }

  private static boolean claimed(FleetFacts.Vm vm, FleetFacts.Host host, InstanceReport instance) {
    return vm != null
        && instance.instanceName().equals(vm.status().instanceName())
        && host.name().equals(vm.status().host());
  }
}
