package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import java.util.List;

/** A host loses its VM network: it goes NonOperational and its VMs live-migrate away. */
final class NetworkLossScenario extends Scenario {
  NetworkLossScenario(Steps steps) {
    super("A host loses its network", "S2", steps);
  }

  @Override
  java.util.Optional<String> cannotPlay() {
    return needs(Fault.NETWORK_DOWN);
  }

  @Override
  void play() {
    String host = fleet.busiestHost(h -> !h.equals("arctic"));
    List<String> moving = fleet.sharedVmsOn(host);
    steps.fault(host, Fault.NETWORK_DOWN);
    steps.expectNonOperational(host);
    for (String name : moving) {
      steps.expect(
          name + " live-migrated off " + host,
          steps.detection(),
          () -> fleet.runsOffHost(name, host));
    }
    steps.heal(host);
    steps.settle();
  }
}
