package io.vmha.core;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import io.vmha.core.sim.Simulation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shrunk samples the fault-sequence properties once found, kept as plain regression tests. */
class FaultSequenceRegressionTest {

  /**
   * A VM paused on its host beside a copy another host kept running from before the guest moved
   * away (recorded stale, unreachable then): that copy was taken for a switch-over and adopted.
   */
  @Test
  void aStaleCopyBesideAPausedGuestIsNotAdopted() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        7,
        List.of(35, 647, 540, 752, 432, 266, 186, 874, 162, 698, 845, 31, 209, 429, 347),
        List.of(1124, 3977, 7249, 4404, 6905, 7356, 6983, 9090, 210, 2754, 3736, 8362, 4886, 765));
  }

  @Test
  void spmReleasedByAnAgentThatDiesRightAfterDoesNotLeaveTwoSpms() {
    Simulation.run(Settings.defaults(), 2, List.of(), List.of(89, 2, 1));
  }

  @Test
  void instanceLostOnBothEndsOfAMigrationIsStartedAgain() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None), 2, List.of(0), List.of(1, 0, 49));
  }

  @Test
  void guestAgentVmsOnAHostWhoseAgentWasKilled() {
    Simulation.run(
        Settings.defaults(), 6, List.of(0, 0, 0, 0, 0, 0, 0, 0, 0), List.of(88, 0, 62, 0, 0));
  }

  @Test
  void capacityStaysWithinBoundsWithoutFencing() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        5,
        List.of(0, 0, 0, 1, 2),
        List.of(0, 0, 0, 0, 146, 266, 88, 0));
  }

  @Test
  void localDiskStillRunningOnItsHostInMaintenanceIsAdopted() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        2,
        List.of(20),
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
    Simulation.run(
        Settings.defaults(), 5, List.of(0, 0, 0, 0, 1, 2, 2, 7), List.of(8, 0, 0, 0, 0, 0, 86, 32));
  }

  @Test
  void failedLeftoverOfALocalVmIsCleanedUpWhileTheVmWaitsForItsHost() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        2,
        List.of(100),
        List.of(13, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9));
  }

  @Test
  void runningSetBackToTrueWhileAMigrationWasBeingStoppedKeepsTheVmOnItsSource() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        2,
        List.of(0, 1),
        List.of(28, 142, 12, 12));
  }

  @Test
  void pausedInstanceOnTheTargetOfAMigrationWhoseSourceIsLostIsAdoptedNotDuplicated() {
    Simulation.run(
        Settings.defaults(),
        7,
        List.of(0, 0, 0, 0, 1, 1),
        List.of(0, 26, 4466, 0, 0, 8700, 0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void pausedInstanceOnTheTargetOfAMigrationWhoseSourceIsLostIsNotLeftUntrackedWithoutFencing() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        7,
        List.of(0, 0, 0, 0, 1, 1),
        List.of(0, 26, 4466, 0, 0, 8700, 0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void lateHandOverByASourceAgentThatWasDeadKeepsTheTargetReserved() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        6,
        List.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2),
        List.of(6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 709, 9462, 0, 0, 0, 0, 0, 10, 1969));
  }

  @Test
  void lateHandOverToATargetThatRebootedKeepsTheTargetReserved() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        5,
        List.of(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2),
        List.of(8, 8, 66, 0, 0, 0, 0, 0, 0, 86, 1));
  }

  @Test
  void handOverToATargetWhoseAgentDiesRightAfterIsNotTakenForLost() {
    Simulation.run(
        Settings.defaults().withFencing(FencingPolicy.None),
        3,
        List.of(0, 0, 0, 0, 0, 0, 0, 0, 0),
        List.of(0, 26, 0, 0, 0, 0, 0, 1, 2, 1, 1));
  }

  @Test
  void agentRestartedBehindAPartitionStillFencesInTime() {
    Simulation.run(
        Settings.defaults().withPlacementPolicy(PlacementPolicy.BinPacking),
        5,
        List.of(1),
        List.of(1, 2, 1, 1, 704, 3, 1, 1, 1));
  }

  @Test
  void agentThatDiedDuringAMassOutageIsFailedOverOnlyOnceItsWatchdogFired() {
    // host0 and host1 cut off: a mass outage, failover freezes and host1's agent holds off
    // fencing; host1's agent dies, host0 comes back and failover resumes while host1's watchdog
    // still runs
    Simulation.run(
        Settings.defaults(),
        3,
        List.of(1, 1),
        List.of(4, 24, 15, 15, 15, 15, 15, 15, 15, 15, 22, 5, 15, 15, 15, 15, 15, 15));
  }

  @Test
  void agentThatDiedRightAfterItsFenceFellDueInAMassOutage() {
    Simulation.run(
        Settings.defaults(),
        3,
        List.of(1, 1),
        List.of(4, 24, 15, 15, 15, 15, 22, 5, 15, 15, 15, 15, 15, 15, 15, 15));
  }
}
