package io.vmha.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.Settings;
import io.vmha.core.health.InstanceKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fault-sequence world plays M1 as the agent does: a hung monitored guest is reset in place, at
 * most maxResets times within its window, and the sequences' generator gives VMs monitoring.
 */
class WorldMonitoringTest {
  /** Shape 4: a guest agent, and monitoring 6 s / 12 s uptime / 2 resets / 42 s window. */
  static final int MONITORED = 4;

  /** Fault code 15 with one VM: its guest hangs. */
  static final int HANG = 15;

  @Test
  void M1_aHungMonitoredGuestIsResetInPlaceAtMostMaxResetsTimesWithinItsWindow() {
    World world = Faults.build(Settings.defaults(), 1, List.of(MONITORED));
    World.SimVm vm = world.vms.values().iterator().next();
    World.SimHost host = world.hosts.values().iterator().next();
    assertThat(vm.monitoring).isNotNull();
    steps(world, 10);
    InstanceKey instance = host.instances.keySet().iterator().next();
    // a hang every 16 s: reset after 6 s of silence (and 12 s up), twice; the third, within the
    // 42 s window of the other two, is left alone until the first of them leaves the window
    for (int i = 0; i < 2; i++) {
      Faults.apply(world, HANG);
      steps(world, 8);
    }
    Faults.apply(world, HANG);
    steps(world, 4);
    assertThat(host.resets.get(instance)).hasSize(2);
    assertThat(host.hungSince).as("the third hang stays: maxResets reached").containsKey(instance);
    assertThat(host.instances.keySet()).as("reset in place").containsExactly(instance);
    steps(world, 6);
    assertThat(host.hungSince).as("the window slid: reset again").isEmpty();
  }

  @Test
  void M1_theFaultSequencesPlayMonitoredGuestsThatHang() {
    World world =
        Simulation.run(
            Settings.defaults(), 2, List.of(MONITORED, 8, 1), List.of(19, 19, 15, 19, 19, 19, 19));
    assertThat(world.timeline).anyMatch(line -> line.contains("guest hangs"));
  }

  private static void steps(World world, int count) {
    for (int i = 0; i < count; i++) {
      world.step();
    }
  }
}
