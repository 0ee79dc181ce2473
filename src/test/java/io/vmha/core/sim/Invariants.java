package io.vmha.core.sim;

import io.vmha.core.Action;
import io.vmha.core.health.InstanceKey;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmPhase;
import java.util.HashMap;
import java.util.Map;

/** I1–I5 over a {@link World}, failing with the world's recent timeline. */
final class Invariants {
  private Invariants() {}

  static void checkAfterStep(World world) {
    Map<String, Integer> activeCopies = new HashMap<>();
    int spms = 0;
    for (World.SimHost host : world.hosts.values()) {
      if (!host.exists || !host.powered) {
        continue;
      }
      long cpu = 0;
      long memory = 0;
      for (InstanceReport instance : host.instances.values()) {
        if (!instance.isActive()) {
          continue;
        }
        cpu += instance.resources().cpuMillis();
        memory += instance.resources().memoryMiB();
        activeCopies.merge(instance.vmKey(), 1, Integer::sum);
        if (world.settings.fencing() == FencingPolicy.None) {
          checkDuplicateIsTracked(world, host, instance);
        }
      }
      if (cpu > host.capacity.cpuMillis() || memory > host.capacity.memoryMiB()) {
        fail(
            world,
            "I3: host "
                + host.name
                + " over capacity: "
                + cpu
                + "m/"
                + memory
                + "Mi of "
                + host.capacity);
      }
      if (host.actingSpm) {
        spms++;
      }
    }
    if (spms > 1) {
      fail(world, "I4: " + spms + " hosts act as SPM");
    }
    if (world.settings.fencing() == FencingPolicy.SelfFence) {
      activeCopies.forEach(
          (vm, copies) -> {
            if (copies > 1) {
              fail(world, "I1: " + copies + " live instances of " + vm);
            }
          });
    }
  }

  /** With fencing None duplicates may exist, but never untracked: the engine knows each one. */
  private static void checkDuplicateIsTracked(
      World world, World.SimHost host, InstanceReport instance) {
    World.SimVm vm = world.vms.get(instance.vmKey());
    if (vm == null) {
      return; // orphan of a removed VM: covered by the settled check
    }
    var status = vm.status;
    boolean current =
        instance.instanceName().equals(status.instanceName())
            && (host.name.equals(status.host())
                || host.name.equals(status.migrationTarget())
                || status.host() == null);
    boolean tracked =
        current
            || status
                .staleInstances()
                .contains(new StaleInstance(host.name, instance.instanceName()))
            || !world.now.equals(host.heartbeatSeen)
            || host.stopList.contains(new InstanceKey(vm.key, instance.instanceName()));
    if (!tracked) {
      fail(
          world,
          "I1: untracked copy "
              + instance.instanceName()
              + " of "
              + vm.key
              + " on "
              + host.name
              + " while the VM is "
              + status);
    }
  }

  /** I5: a template instance name is handed out once; only the same VM may continue it. */
  static void checkInstanceName(World world, Action.PlaceVm place) {
    if (place.template() == null) {
      return;
    }
    String name = "default/" + place.instanceName();
    String owner = world.handedOut.get(name);
    if (owner == null) {
      world.handedOut.put(name, place.vm());
      return;
    }
    World.SimVm vm = world.vms.get(place.vm());
    if (!owner.equals(place.vm())
        || !place.instanceName().equals(vm.status.instanceName())
        || place.templateCounterAfter() != null) {
      fail(
          world,
          "I5: instance name " + place.instanceName() + " handed out again, to " + place.vm());
    }
  }

  /** I2 after a quiet period, and no instance left that nothing tracks (L2). */
  static void checkSettled(World world) {
    for (World.SimVm vm : world.vms.values()) {
      var status = vm.status;
      if (vm.deleting) {
        fail(world, "I2/L2: deleting VM " + vm.key + " never went: " + status);
      }
      if (!vm.running) {
        if (status.phase() != VmPhase.Stopped) {
          fail(world, "L1: stopped VM " + vm.key + " is " + status);
        }
        continue;
      }
      boolean settled =
          status.phase() == VmPhase.Running
              || ((status.phase() == VmPhase.Pending || status.phase() == VmPhase.Failed)
                  && status.reason() != null);
      if (!settled) {
        fail(world, "I2: VM " + vm.key + " did not settle: " + status);
      }
    }
    for (World.SimHost host : world.hosts.values()) {
      for (InstanceReport instance : host.instances.values()) {
        World.SimVm vm = world.vms.get(instance.vmKey());
        boolean claimed =
            vm != null
                && instance.instanceName().equals(vm.status.instanceName())
                && host.name.equals(vm.status.host());
        if (!claimed) {
          fail(
              world,
              "L2: instance "
                  + instance.instanceName()
                  + " of "
                  + instance.vmKey()
                  + " left on "
                  + host.name
                  + " that nothing tracks");
        }
      }
    }
  }

  static void fail(World world, String message) {
    int from = Math.max(0, world.timeline.size() - 60);
    throw new AssertionError(
        message
            + "\nlast actions:\n  "
            + String.join("\n  ", world.timeline.subList(from, world.timeline.size())));
  }
}
