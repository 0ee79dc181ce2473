package io.vmha.demo;

import io.vmha.agent.sim.Fault;

/**
 * The host of the local repository crashes: {@code build}, whose disk is there, waits for it and
 * runs again as the same instance when it is back.
 */
final class LocalRepositoryScenario extends Scenario {
  LocalRepositoryScenario(Steps steps) {
    super("A VM on a local repository waits for its host", "F2", steps);
  }

  @Override
  void play() {
    String host = "pacific";
    String instance = fleet.vm("build").getStatus().getInstanceName();
    steps.fault(host, Fault.HOST_CRASH);
    steps.expect(
        "build is Pending, WaitingForHost",
        steps.detection(),
        () ->
            "Pending".equals(FleetView.phase(fleet.vm("build")))
                && "WaitingForHost".equals(fleet.vm("build").getStatus().getReason()));
    steps.check("build: " + fleet.vm("build").getStatus().getMessage());
    steps.heal(host);
    steps.expect(
        "build runs again on pacific, same instance",
        steps.detection(),
        () -> {
          var status = fleet.vm("build").getStatus();
          return "Running".equals(status.getPhase())
              && host.equals(status.getHost())
              && instance.equals(status.getInstanceName());
        });
    steps.settle();
  }
}
