package io.vmha.core.invariant;

import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * I6: no host runs live instances of two VMs with a required anti-affinity between them, in either
 * direction. Judged on what the hypervisors hold, like I1.
 */
final class VmAntiAffinity {
  private VmAntiAffinity() {}

  static void check(FleetFacts facts, List<Violation> found) {
    Map<String, FleetFacts.Vm> vms = new TreeMap<>();
    boolean anyRules = false;
    for (FleetFacts.Vm vm : facts.vms()) {
      vms.put(vm.key(), vm);
      anyRules |= !vm.requiredAntiAffinity().isEmpty();
    }
    if (!anyRules) {
      return;
    }
    for (FleetFacts.Host host : facts.hosts()) {
      List<FleetFacts.Vm> present = new ArrayList<>();
      for (InstanceReport instance : host.instances()) {
        FleetFacts.Vm vm = instance.isActive() ? vms.get(instance.vmKey()) : null;
        if (vm != null && !present.contains(vm)) {
          present.add(vm);
        }
      }
      for (int i = 0; i < present.size(); i++) {
        for (int j = i + 1; j < present.size(); j++) {
          FleetFacts.Vm a = present.get(i);
          FleetFacts.Vm b = present.get(j);
          if (a.namespace().equals(b.namespace()) && (repels(a, b) || repels(b, a))) {
            found.add(
                new Violation(
                    "I6",
                    a.key(),
                    host.name(),
                    a.key()
                        + " and "
                        + b.key()
                        + " both run on host "
                        + host.name()
                        + ", against a required anti-affinity between them"));
          }
        }
      }
    }
  }

  private static boolean repels(FleetFacts.Vm vm, FleetFacts.Vm other) {
    return LabelSelector.anyMatches(vm.requiredAntiAffinity(), other.labels());
  }
}
