package io.vmha.core.invariant;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * I5: an instance name is never reused. Judged against the names seen at earlier checks, so it
 * holds across checks only if every name a VM had was seen: the watcher checks more often than the
 * operator places a VM twice.
 */
final class InstanceNameReuse {
  private InstanceNameReuse() {}

  /** Returns the history with this check's names added. */
  static InstanceNameHistory check(
      FleetFacts facts, InstanceNameHistory before, List<Violation> found) {
    Map<String, String> owners = new HashMap<>(before.owners());
    Map<String, String> current = new HashMap<>(before.current());
    List<FleetFacts.Vm> vms =
        facts.vms().stream().sorted(Comparator.comparing(FleetFacts.Vm::key)).toList();
    for (FleetFacts.Vm vm : vms) {
      if (vm.status().instanceName() == null) {
        continue;
      }
      String name = vm.namespace() + "/" + vm.status().instanceName();
      String owner = owners.putIfAbsent(name, vm.key());
      String reuse = owner == null ? null : reuse(vm, name, owner, current.get(vm.key()));
      if (reuse != null) {
        found.add(new Violation("I5", vm.key(), null, reuse));
      }
      current.put(vm.key(), name);
    }
    return new InstanceNameHistory(owners, current);
  }

  /** How using a name seen before reuses it; null when it is its VM keeping it (F2). */
  private static String reuse(FleetFacts.Vm vm, String name, String owner, String had) {
    if (!owner.equals(vm.key())) {
      return "instance name " + name + " used by " + owner + " and " + vm.key();
    }
    if (vm.freshName()) {
      return "instance name " + name + " handed out again, to " + vm.key();
    }
    if (!name.equals(had)) {
      return vm.key() + " took instance name " + name + " again after it had " + had;
    }
    return null;
  }
}
