package io.vmha.demo;

import io.vmha.agent.HostAgent;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Every agent loses the API server at once: the operator freezes failover, no host fences itself,
 * no VM moves, and nobody fences when the outage ends either, though the hosts' renewals resume at
 * slightly different times.
 */
final class ApiOutageScenario extends Scenario {
  ApiOutageScenario(Steps steps) {
    super("The API server is unreachable for every agent: nobody is fenced", "F4, H5", steps);
  }

  @Override
  void play() {
    Map<String, String> before = fleet.placements();
    Map<String, Integer> resets = new HashMap<>();
    datacenter.hosts().forEach(h -> resets.put(h, datacenter.watchdogResets(h)));
    // an agent that fenced would be a new agent, or count a fence: both are compared at the end
    Map<String, HostAgent> agents = new HashMap<>();
    Map<String, Long> fences = new HashMap<>();
    datacenter
        .hosts()
        .forEach(
            h -> {
              agents.put(h, datacenter.agent(h));
              fences.put(h, datacenter.agent(h).fences());
            });
    timeline.note(
        "every agent loses the API server (sim.vmha.io/fault=api-partition on all hosts)");
    datacenter.hosts().forEach(h -> datacenter.annotateFaults(h, EnumSet.of(Fault.API_PARTITION)));
    steps.expect("failover is frozen", steps.detection(), () -> fleet.operatorFrozen());
    Steps.pause(settings.hostGracePeriod().plus(settings.selfFenceAfter()));
    steps.expectThat("no VM moved", before.equals(fleet.placements()));
    steps.expectThat(
        "no host fenced itself",
        everyHost(
            h ->
                datacenter.watchdogResets(h) == resets.get(h)
                    && datacenter.driver(h).instances().stream()
                        .allMatch(i -> i.state() != Instance.State.Stopped)));
    datacenter.hosts().forEach(h -> datacenter.annotateFaults(h, EnumSet.noneOf(Fault.class)));
    timeline.note("the API server is back for everyone");
    steps.settle();
    steps.expectThat("every VM is where it was", before.equals(fleet.placements()));
    steps.expectThat(
        "no host fenced itself when the outage ended, though some renewed later than others",
        everyHost(
            h ->
                datacenter.agent(h) == agents.get(h)
                    && datacenter.agent(h).fences() == fences.get(h)));
  }

  private boolean everyHost(Predicate<String> holds) {
    return datacenter.hosts().stream().allMatch(holds);
  }
}
