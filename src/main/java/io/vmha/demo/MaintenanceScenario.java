package io.vmha.demo;

import java.util.List;

/** An administrator puts a host into maintenance: the operator drains it, then it comes back. */
final class MaintenanceScenario extends Scenario {
  MaintenanceScenario(Steps steps) {
    super("Maintenance drains a host", "H3, H4", steps);
  }

  @Override
  void play() {
    String host = fleet.busiestHost(h -> !h.equals("arctic") && !h.equals("pacific"));
    List<String> moving = fleet.vmsOn(host).stream().map(v -> v.getMetadata().getName()).toList();
    steps.maintenance(host, true);
    steps.expect(
        host + " is in Maintenance, drained",
        steps.detection(),
        () -> "Maintenance".equals(fleet.hostPhase(host)));
    for (String name : moving) {
      steps.expectThat(name + " left " + host, !host.equals(fleet.vm(name).getStatus().getHost()));
    }
    steps.maintenance(host, false);
    steps.settle();
  }
}
