package io.vmha.core.sim;

import io.vmha.core.model.Priority;
import io.vmha.core.model.Resources;
import io.vmha.core.model.StorageErrorPolicy;
import java.util.ArrayList;
import java.util.List;

/** Turns generated numbers into fault events on a {@link World}, and heals it afterwards. */
final class Faults {
  private static final int KINDS = 20;

  private Faults() {}

  static World build(io.vmha.core.Settings settings, int hostCount, List<Integer> vmShapes) {
    World world = new World(settings);
    for (int i = 0; i < hostCount; i++) {
      world.addHost("host" + i, Resources.of(4000, 8192), true);
    }
    for (int i = 0; i < vmShapes.size(); i++) {
      createVm(world, "vm" + i, vmShapes.get(i));
    }
    return world;
  }

  static void createVm(World world, String name, int shape) {
    List<String> hostNames = new ArrayList<>(world.hosts.keySet());
    boolean fromTemplate = shape % 3 == 0;
    String repository =
        !fromTemplate && shape % 5 == 0
            ? hostNames.get((shape / 5) % hostNames.size()) + "-disk"
            : World.SHARED;
    world.addVm(
        name,
        fromTemplate,
        repository,
        Resources.of(500 + (shape % 4) * 500, 512 + (shape % 8) * 512),
        shape % 7 != 0,
        Priority.values()[shape % 3],
        shape % 4 == 0);
    world.vms.get("default/" + name).storageErrorPolicy = storageErrorPolicy(shape);
  }

  /**
   * Most VMs resume after a storage loss (the default); some are left paused for an admin, and some
   * highly available ones are killed and restarted elsewhere (the API refuses Kill without high
   * availability).
   */
  private static StorageErrorPolicy storageErrorPolicy(int shape) {
    if (shape % 11 == 10 && shape % 7 != 0) {
      return StorageErrorPolicy.Kill;
    }
    return shape % 13 == 12 ? StorageErrorPolicy.LeavePaused : StorageErrorPolicy.AutoResume;
  }

  static String apply(World world, int code) {
    int kind = code % KINDS;
    int which = code / KINDS;
    List<World.SimHost> hosts = new ArrayList<>(world.hosts.values());
    World.SimHost host = hosts.get(which % hosts.size());
    List<World.SimVm> vms = new ArrayList<>(world.vms.values());
    World.SimVm vm = vms.isEmpty() ? null : vms.get(which % vms.size());
    switch (kind) {
      case 0 -> {
        host.powered = false;
        host.agentAlive = false;
        host.instances.clear();
        host.actingSpm = false;
        return "crash " + host.name;
      }
      case 1 -> {
        powerOn(world, host);
        return "power on " + host.name;
      }
      case 2 -> {
        if (host.agentAlive) {
          host.agentAlive = false;
          host.actingSpm = false; // a dead process acts as nothing
        }
        return "kill agent " + host.name;
      }
      case 3 -> {
        restartAgent(world, host);
        return "restart agent " + host.name;
      }
      case 4 -> {
        host.reachable = false;
        return "partition " + host.name;
      }
      case 5 -> {
        host.reachable = true;
        return "heal partition " + host.name;
      }
      case 6 -> {
        host.storage = false;
        return "storage lost " + host.name;
      }
      case 7 -> {
        host.storage = true;
        return "storage back " + host.name;
      }
      case 8 -> {
        host.network = !host.network;
        return "network " + (host.network ? "back " : "lost ") + host.name;
      }
      case 9 -> {
        host.maintenance = !host.maintenance;
        return "maintenance " + host.maintenance + " " + host.name;
      }
      case 10 -> {
        createVm(world, "new" + which, which);
        return "create new" + which;
      }
      case 11 -> {
        if (vm != null) {
          vm.deleting = true;
        }
        return "delete " + (vm == null ? "-" : vm.key);
      }
      case 12 -> {
        if (vm != null) {
          vm.running = !vm.running;
        }
        return "toggle running " + (vm == null ? "-" : vm.key);
      }
      case 13 -> {
        if (vm != null) {
          vm.broken = !vm.broken;
        }
        return "toggle broken " + (vm == null ? "-" : vm.key);
      }
      case 14 -> {
        host.cordoned = !host.cordoned;
        return "cordon " + host.cordoned + " " + host.name;
      }
      default -> {
        return "time passes";
      }
    }
  }

  /** Powers on, reconnects and repairs everything; VMs stop failing to start. */
  static void heal(World world) {
    for (World.SimHost host : world.hosts.values()) {
      powerOn(world, host);
      restartAgent(world, host);
      host.reachable = true;
      host.storage = true;
      host.network = true;
    }
    world.vms.values().forEach(vm -> vm.broken = false);
    // an admin resumes the VMs left paused for them, by setting their policy to AutoResume
    world.vms.values().stream()
        .filter(vm -> vm.storageErrorPolicy == StorageErrorPolicy.LeavePaused)
        .forEach(vm -> vm.storageErrorPolicy = StorageErrorPolicy.AutoResume);
  }

  private static void powerOn(World world, World.SimHost host) {
    if (!host.powered) {
      host.powered = true;
      host.agentAlive = true;
      host.lastRenew = world.now;
      host.lastPet = world.now;
      host.fenced = false;
    }
  }

  /**
   * A restarted agent process has not renewed anything yet: it keeps counting from the last renewal
   * its host made (a real agent keeps that on local disk, or takes it as long past), and feeds the
   * watchdog only at its next heartbeat, if it has no reason to fence then. Taking its start as a
   * renewal would let a restart behind a partition postpone self-fencing beyond the point where the
   * operator, which last saw a renewal before the restart, declares the host NotResponding and
   * fails its VMs over (F4: the old copies must be stopped by then).
   */
  private static void restartAgent(World world, World.SimHost host) {
    if (host.powered && !host.agentAlive) {
      host.agentAlive = true;
    }
  }
}
