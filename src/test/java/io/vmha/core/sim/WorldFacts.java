package io.vmha.core.sim;

import io.vmha.core.health.HostHealth;
import io.vmha.core.health.InstanceKey;
import io.vmha.core.invariant.FleetFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@link World} as the invariant checker reads it: every fact it has, none left unknown. */
final class WorldFacts {
  private WorldFacts() {}

  static FleetFacts of(World world) {
    List<FleetFacts.Host> hosts = new ArrayList<>();
    Set<String> acting = new HashSet<>();
    Set<String> heard = new HashSet<>();
    Map<String, Set<InstanceKey>> stopOrders = new HashMap<>();
    for (World.SimHost host : world.hosts.values()) {
      hosts.add(
          new FleetFacts.Host(
              host.name, host.exists ? host.capacity : null, List.copyOf(host.instances.values())));
      // a removed host's agent is out of the simulation: it neither acts nor gives anything up
      if (host.exists && host.powered && host.actingSpm) {
        acting.add(host.name);
      }
      if (world.now.equals(host.heartbeatSeen)) {
        heard.add(host.name);
      }
      stopOrders.put(host.name, host.stopList);
    }
    Set<String> marked = new HashSet<>();
    if (world.lastPlan != null) {
      world.lastPlan.hosts().stream()
          .filter(HostHealth::spm)
          .forEach(health -> marked.add(health.host()));
    }
    List<FleetFacts.Vm> vms =
        world.vms.values().stream()
            .map(
                vm ->
                    new FleetFacts.Vm(
                        vm.key,
                        vm.status,
                        vm.running,
                        vm.deleting,
                        world.freshNames.contains(vm.key),
                        vm.labels,
                        vm.affinity == null ? List.of() : vm.affinity.requiredAntiAffinity()))
            .toList();
    return new FleetFacts(
        world.settings.fencing(),
        hosts,
        vms,
        new FleetFacts.Spm(world.spmHolder, marked, acting),
        new FleetFacts.OperatorKnowledge(heard, stopOrders));
  }
}
