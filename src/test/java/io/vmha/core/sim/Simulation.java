package io.vmha.core.sim;

import io.vmha.core.Settings;
import io.vmha.core.invariant.InvariantChecker;
import java.util.List;

/** Plays one fault sequence: a fault, one heartbeat step, and so on; then heals and settles. */
public final class Simulation {
  static final int QUIET_STEPS = 60;

  private Simulation() {}

  public static World run(
      Settings settings, int hostCount, List<Integer> vmShapes, List<Integer> faults) {
    World world = Faults.build(settings, hostCount, vmShapes);
    world.step();
    for (int fault : faults) {
      world.timeline.add(world.now + " FAULT " + Faults.apply(world, fault));
      world.step();
    }
    Faults.heal(world);
    world.timeline.add(world.now + " FAULT heal everything");
    // a VM may legitimately wait out a start-order timeout (O1) before it starts
    long quiet = QUIET_STEPS + world.longestStartWait().dividedBy(settings.heartbeatInterval()) + 1;
    for (int i = 0; i < quiet; i++) {
      world.step();
    }
    world.failOn(InvariantChecker.checkSettled(WorldFacts.of(world)));
    return world;
  }
}
