package io.vmha.core;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.sim.Simulation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shrunk samples the fault-sequence properties once found, kept as plain regression tests. */
class FaultSequenceRegressionTest {

  @Test
  void spmReleasedByAnAgentThatDiesRightAfterDoesNotLeaveTwoSpms() {
    Simulation.run(Settings.defaults(), 2, List.of(), List.of(89, 2, 1));
  }

  @Test
  void instanceLostOnBothEndsOfAMigrationIsStartedAgain() {
    Simulation.run(Settings.defaults().withFencing(FencingPolicy.None), 2, List.of(0), List.of(1, 0, 49));
  }

  @Test
  void guestAgentVmsOnAHostWhoseAgentWasKilled() {
    Simulation.run(Settings.defaults(), 6, List.of(0, 0, 0, 0, 0, 0, 0, 0, 0), List.of(88, 0, 62, 0, 0));
  }

  @Test
  void capacityStaysWithinBoundsWithoutFencing() {
    Simulation.run(Settings.defaults().withFencing(FencingPolicy.None), 5, List.of(0, 0, 0, 1, 2),
        List.of(0, 0, 0, 0, 146, 266, 88, 0));
  }

  @Test
  void localDiskStillRunningOnItsHostInMaintenanceIsAdopted() {
    Simulation.run(Settings.defaults().withFencing(FencingPolicy.None), 2, List.of(20),
        List.of(1, 4, 1, 1, 1, 1, 1, 1, 9));
  }

  @Test
  void watchdogResetsAHostWhoseAgentDiedWhileCutOff() {
    Simulation.run(Settings.defaults(), 2, List.of(1), List.of(1, 4, 1, 1, 1, 2, 1, 1, 1));
  }

  @Test
  void agentThatSawAMassOutageAndThenItsPeerCrash() {
    Simulation.run(Settings.defaults(), 2, List.of(1), List.of(1, 4, 1, 1, 1, 140, 1, 1, 1));
  }

  @Test
  void capacityStaysWithinBoundsWithSelfFencing() {
    Simulation.run(Settings.defaults(), 5, List.of(0, 0, 0, 0, 1, 2, 2, 7), List.of(8, 0, 0, 0, 0, 0, 86, 32));
  }

  @Test
  void failedLeftoverOfALocalVmIsCleanedUpWhileTheVmWaitsForItsHost() {
    Simulation.run(Settings.defaults().withFencing(FencingPolicy.None), 2, List.of(100),
        List.of(13, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9));
  }
}
