package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.api.VirtualMachine;
import java.util.List;

/**
 * The host of {@code web} crashes: web restarts elsewhere as a new instance of its template, and
 * every other VM of the host on shared storage restarts elsewhere too.
 */
final class HostCrashScenario extends Scenario {
  HostCrashScenario(Steps steps) {
    super("A host fails: its VMs restart elsewhere from shared storage", "F1, F4", steps);
  }

  @Override
  void play() {
    VirtualMachine web = fleet.vm("web");
    String lost = web.getStatus().getHost();
    String before = web.getStatus().getInstanceName();
    List<VirtualMachine> there = fleet.vmsOn(lost);
    steps.fault(lost, Fault.HOST_CRASH);
    steps.expect(
        "web runs again as a new instance of sles10template on another host",
        steps.detection(),
        () -> {
          var status = fleet.vm("web").getStatus();
          return "Running".equals(status.getPhase())
              && !lost.equals(status.getHost())
              && !before.equals(status.getInstanceName());
        });
    String after = fleet.vm("web").getStatus().getInstanceName();
    steps.check(
        "web: "
            + before
            + " on "
            + lost
            + " became "
            + after
            + " on "
            + fleet.vm("web").getStatus().getHost()
            + ", "
            + String.format("%.1f", timeline.elapsedSeconds())
            + " s after the crash");
    steps.expectThat(
        "the new instance takes the template's next number", number(after) > number(before));
    for (VirtualMachine vm : there) {
      String name = vm.getMetadata().getName();
      if (FleetView.onLocalRepository(vm)) {
        continue; // its disk is on the lost host: it waits for the host (F2)
      }
      steps.expect(
          name + " runs on another host", steps.detection(), () -> fleet.runsOffHost(name, lost));
    }
    steps.heal(lost);
    steps.settle();
  }

  /** The number an instance name of a template ends with. */
  private static long number(String instance) {
    return Long.parseLong(instance.substring(instance.lastIndexOf('-') + 1));
  }
}
