package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import java.util.List;
import java.util.Map;

/**
 * The SPM host loses its storage: the operator asks it to fence itself, the SPM Lease expires and
 * another host takes the role, and the host's VMs leave it.
 */
final class SpmStorageLossScenario extends Scenario {
  SpmStorageLossScenario(Steps steps) {
    super("The SPM host loses storage: fencing, and the SPM role moves", "S3, S4", steps);
  }

  @Override
  void play() {
    String spm = fleet.spmHolder();
    List<String> moving = fleet.sharedVmsOn(spm);
    Map<String, String> instances = fleet.instancesOf(moving);
    steps.fault(spm, Fault.STORAGE_DOWN);
    steps.expect(
        spm + " is asked to fence itself",
        steps.detection(),
        () -> {
          var status = fleet.host(spm).getStatus();
          return status.getFencing() != null
              && Boolean.TRUE.equals(status.getFencing().getRequested());
        });
    double requested = timeline.elapsedSeconds();
    steps.expect(
        "another host holds the SPM role",
        steps.detection().plus(settings.spmLeaseDuration()),
        () -> fleet.spmHolder() != null && !spm.equals(fleet.spmHolder()));
    double moved = timeline.elapsedSeconds();
    steps.check(
        "SPM moved from "
            + spm
            + " to "
            + fleet.spmHolder()
            + " "
            + String.format("%.1f", moved - requested)
            + " s after fencing was requested (the Lease lasts "
            + Steps.seconds(settings.spmLeaseDuration())
            + ")");
    if (!hosts.guestsLeaveFailedStorage()) {
      steps.rideOutStorageLossInPlace(spm, instances);
      return;
    }
    for (String name : moving) {
      steps.expect(name + " left " + spm, steps.detection(), () -> fleet.runsOffHost(name, spm));
    }
    steps.heal(spm);
    steps.settle();
  }
}
