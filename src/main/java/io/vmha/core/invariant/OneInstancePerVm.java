package io.vmha.core.invariant;

import io.vmha.core.health.InstanceKey;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmStatusView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * I1: one live instance per VM. Under {@code SelfFence} a second live copy anywhere is a violation.
 * Under {@code None} F4 accepts that a re-placed VM may still run where it was, so each live copy
 * must instead be one the operator tracks: the VM's current instance, a recorded stale instance, or
 * one it has ordered stopped.
 */
final class OneInstancePerVm {
  private OneInstancePerVm() {}

  static void check(FleetFacts facts, List<Violation> found) {
    if (facts.fencing() == FencingPolicy.SelfFence) {
      checkSingleCopy(facts, found);
    } else if (facts.operator() != null) {
      checkCopiesTracked(facts, facts.operator(), found);
    }
  }

  private static void checkSingleCopy(FleetFacts facts, List<Violation> found) {
    Map<String, List<String>> hostsByVm = new TreeMap<>();
    for (FleetFacts.Host host : facts.hosts()) {
      for (InstanceReport instance : host.instances()) {
        // an instance vmha did not start is a copy of no VM
        if (instance.isActive() && !instance.isForeign()) {
          hostsByVm.computeIfAbsent(instance.vmKey(), vm -> new ArrayList<>()).add(host.name());
        }
      }
    }
    hostsByVm.forEach(
        (vm, hosts) -> {
          if (hosts.size() > 1) {
            found.add(
                new Violation(
                    "I1", vm, null, vm + " runs " + hosts.size() + " live instances, on " + hosts));
          }
        });
  }

  private static void checkCopiesTracked(
      FleetFacts facts, FleetFacts.OperatorKnowledge operator, List<Violation> found) {
    Map<String, FleetFacts.Vm> vms =
        facts.vms().stream().collect(Collectors.toMap(FleetFacts.Vm::key, Function.identity()));
    for (FleetFacts.Host host : facts.hosts()) {
      if (!operator.heardHosts().contains(host.name())) {
        continue; // what it runs now has not reached the operator: it cannot track it yet
      }
      for (InstanceReport instance : host.instances()) {
        FleetFacts.Vm vm = vms.get(instance.vmKey());
        // an instance of no VM is left to the settled check (L2)
        if (vm != null && instance.isActive() && !tracked(vm, host, instance, operator)) {
          found.add(
              new Violation(
                  "I1",
                  vm.key(),
                  host.name(),
                  "untracked copy "
                      + instance.instanceName()
                      + " of "
                      + vm.key()
                      + " on "
                      + host.name()
                      + " while the VM is "
                      + vm.status()));
        }
      }
    }
  }

  private static boolean tracked(
      FleetFacts.Vm vm,
      FleetFacts.Host host,
      InstanceReport instance,
      FleetFacts.OperatorKnowledge operator) {
    VmStatusView status = vm.status();
    boolean current =
        instance.instanceName().equals(status.instanceName())
            && (host.name().equals(status.host())
                || host.name().equals(status.migrationTarget())
                || status.host() == null);
    return current
        || status.staleInstances().contains(new StaleInstance(host.name(), instance.instanceName()))
        || operator.ordersStop(host.name(), new InstanceKey(vm.key(), instance.instanceName()));
  }
}
