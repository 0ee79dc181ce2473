package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import java.util.Set;

/**
 * The agent of {@code monitor}'s host dies with the watchdog off, so the host keeps running: the
 * guest agent inside {@code monitor} still reports, and the operator leaves the VM where it is.
 */
final class HostAgentKilledScenario extends Scenario {
  HostAgentKilledScenario(Steps steps) {
    super("The host agent is killed but the guest agent still reports", "F3", steps);
  }

  @Override
  java.util.Optional<String> cannotPlay() {
    return needs(Fault.AGENT_DOWN);
  }

  @Override
  void play() {
    String host = fleet.vm("monitor").getStatus().getHost();
    String instance = fleet.vm("monitor").getStatus().getInstanceName();
    steps.annotate(host, SimulatedDatacenter.WATCHDOG_ANNOTATION, "off");
    timeline.note(
        "kubectl annotate vmhost "
            + host
            + " "
            + SimulatedDatacenter.WATCHDOG_ANNOTATION
            + "=off"
            + "   (the agent process dies; nothing resets the host)");
    steps.fault(host, Fault.AGENT_DOWN);
    steps.expect(
        host + " is NotResponding",
        steps.detection(),
        () -> "NotResponding".equals(fleet.hostPhase(host)));
    steps.expect(
        "monitor is left alone: GuestAgentAlive",
        steps.detection(),
        () -> "GuestAgentAlive".equals(fleet.vm("monitor").getStatus().getReason()));
    Steps.pause(settings.hostGracePeriod());
    var status = fleet.vm("monitor").getStatus();
    steps.expectThat(
        "monitor stayed on " + host + " as " + instance,
        host.equals(status.getHost()) && instance.equals(status.getInstanceName()));
    steps.expectThat("monitor still runs there", hosts.whereRuns(instance).equals(Set.of(host)));
    steps.heal(host);
    steps.annotate(host, SimulatedDatacenter.WATCHDOG_ANNOTATION, null);
    steps.settle();
  }
}
