package io.vmha.core.sim;

import io.vmha.core.model.GuestMonitoring;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.Priority;
import io.vmha.core.model.Resources;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.StorageErrorPolicy;
import io.vmha.core.model.VmAffinity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns generated numbers into fault events on a {@link World}, and heals it afterwards. */
final class Faults {
  private static final int KINDS = 20;

  private Faults() {}

  static World build(io.vmha.core.Settings settings, int hostCount, List<Integer> vmShapes) {
    World world = new World(settings);
    for (int i = 0; i < hostCount; i++) {
      world.addHost("host" + i, Resources.of(4000, 8192), true);
      World.SimHost host = world.hosts.get("host" + i);
      // PF: every other host has a BMC; most confirm, some cannot be reached, some never confirm
      if (i % 2 == 1) {
        host.bmc =
            i % 6 == 3
                ? World.Bmc.Unreachable
                : i % 10 == 5 ? World.Bmc.NeverConfirms : World.Bmc.Confirms;
        host.power = io.vmha.core.model.PowerFenceView.IDLE;
      }
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
    World.SimVm vm = world.vms.get("default/" + name);
    vm.storageErrorPolicy = storageErrorPolicy(shape);
    vm.monitoring = monitoring(vm, shape);
    vm.labels = Map.of("app", group(shape));
    vm.affinity = affinity(shape);
    // O1: some hold lower tiers back until ready (the simulated guests never answer a guest-agent
    // ping, so GuestReady ones hold until their timeout); some start after another VM, which may
    // not exist, be of lower priority, or close a cycle
    if (shape % 9 == 8) {
      vm.readiness =
          new StartReadiness(
              shape % 2 == 0
                  ? StartReadiness.ReadyWhen.Running
                  : StartReadiness.ReadyWhen.GuestReady,
              Duration.ofSeconds(shape % 3 * 5),
              Duration.ofSeconds(20 + shape % 4 * 20));
    }
    if (shape % 29 == 28 || shape % 31 == 30) {
      vm.startAfter = List.of("vm" + shape % 6);
    }
  }

  private static String group(int shape) {
    return "g" + shape % 4;
  }

  /**
   * Some VMs keep apart from their group, some must run with it, some prefer it; the rest take the
   * template's rules (none). Groups are small and the hosts few, so groups that cannot all be
   * placed apart or together occur, and must stay Pending.
   */
  private static VmAffinity affinity(int shape) {
    LabelSelector ownGroup = LabelSelector.of(Map.of("app", group(shape)));
    if (shape % 17 == 16) {
      return new VmAffinity(List.of(), List.of(), List.of(ownGroup), List.of());
    }
    if (shape % 19 == 18) {
      return new VmAffinity(List.of(ownGroup), List.of(), List.of(), List.of());
    }
    if (shape % 23 == 22) {
      LabelSelector next = LabelSelector.of(Map.of("app", group(shape + 1)));
      return new VmAffinity(
          List.of(),
          List.of(new VmAffinity.Weighted(50, ownGroup)),
          List.of(),
          List.of(new VmAffinity.Weighted(30, next)));
    }
    return null;
  }

  /**
   * Most VMs resume after a storage loss (the default); some are left paused for an admin, and some
   * highly available ones are killed and restarted elsewhere (the API refuses Kill without high
   * availability).
   */
  /**
   * M1: about half the VMs with a guest agent are monitored, with timings from one heartbeat to a
   * few, so resets, and monitoring that gives up, happen within a sequence.
   */
  private static GuestMonitoring monitoring(World.SimVm vm, int shape) {
    if (!vm.guestAgent || shape % 2 == 1) {
      return null;
    }
    Duration failure = Duration.ofSeconds(2 + shape % 3 * 4);
    return new GuestMonitoring(
        failure,
        Duration.ofSeconds(shape % 5 * 3),
        1 + shape % 3,
        failure.multipliedBy(3 + shape % 20));
  }

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
      case 15 -> {
        String where = vm == null ? null : world.hangGuest(vm);
        return "guest hangs " + (where == null ? "- (not running)" : vm.key + " on " + where);
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
      host.freshStartAt = world.now;
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
      host.freshStartAt = world.now;
    }
  }
}
