package io.vmha.demo;

import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.core.model.FencingPolicy;
import java.util.List;

/**
 * The split-brain case: the host still reaches its shared storage over its own network, so only
 * fencing keeps its VMs from running twice. No peer can confirm an outage (the invariant monitor
 * checks I1 throughout); under fencing None the operator records the stale instance instead.
 */
final class IsolatedHostScenario extends Scenario {
  IsolatedHostScenario(Steps steps) {
    super(
        "A host loses the API server and its peers, not its storage: its VMs run once",
        "F4, H1",
        steps);
  }

  @Override
  void play() {
    String cut = fleet.vm("web").getStatus().getHost();
    List<String> moving = fleet.movableVmsOn(cut);
    steps.fault(cut, Fault.ISOLATED);
    boolean selfFence = settings.fencing() == FencingPolicy.SelfFence;
    if (selfFence) {
      steps.expect(
          cut + " fenced itself: no peer confirmed an outage",
          steps.detection(),
          () ->
              hosts.instancesOn(cut).stream().noneMatch(i -> i.state() == Instance.State.Running));
    }
    for (String name : moving) {
      steps.expect(
          name + " runs on another host", steps.detection(), () -> fleet.runsOffHost(name, cut));
      if (!selfFence) {
        var stale = fleet.vm(name).getStatus().getStaleInstances();
        steps.expectThat(
            name + ": the instance left on " + cut + " is recorded as stale",
            stale != null && stale.stream().anyMatch(s -> cut.equals(s.getHost())));
      }
    }
    steps.check(
        moving.size()
            + " VM(s) of "
            + cut
            + " re-placed, "
            + String.format("%.1f", timeline.elapsedSeconds())
            + " s after it was cut off");
    steps.heal(cut);
    steps.settle();
  }
}
