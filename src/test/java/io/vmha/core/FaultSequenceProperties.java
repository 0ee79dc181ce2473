package io.vmha.core;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import io.vmha.core.sim.Simulation;
import java.util.List;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random fleets under random fault sequences; after every simulated heartbeat the invariants I1,
 * I3, I4, I5 hold, and after the faults end and a quiet period passes, I2 holds. A failure prints
 * the jqwik seed and the shrunk sequence with the engine's last actions.
 */
class FaultSequenceProperties {

  @Property(tries = 2500, afterFailure = AfterFailureMode.SAMPLE_FIRST)
  void invariantsHoldWithSelfFencing(
      @ForAll @IntRange(min = 2, max = 7) int hosts,
      @ForAll @Size(max = 16) List<@IntRange(min = 0, max = 999) Integer> vms,
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 9999) Integer> faults,
      @ForAll boolean binPacking,
      @ForAll @IntRange(min = 0, max = 1) int reserveHosts) {
    Settings settings =
        Settings.defaults()
            .withReserveHosts(reserveHosts)
            .withPlacementPolicy(
                binPacking ? PlacementPolicy.BinPacking : PlacementPolicy.LeastAllocated);
    Simulation.run(settings, hosts, vms, faults);
  }

  @Property(tries = 2500, afterFailure = AfterFailureMode.SAMPLE_FIRST)
  void invariantsHoldWithoutFencing(
      @ForAll @IntRange(min = 2, max = 7) int hosts,
      @ForAll @Size(max = 16) List<@IntRange(min = 0, max = 999) Integer> vms,
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 9999) Integer> faults) {
    Simulation.run(Settings.defaults().withFencing(FencingPolicy.None), hosts, vms, faults);
  }
}
