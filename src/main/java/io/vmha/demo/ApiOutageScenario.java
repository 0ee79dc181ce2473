package io.vmha.demo;

import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

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
    // a host that fenced would have stopped its guests, or be a new agent life: compared at the end
    Map<String, String> lives = new HashMap<>();
    Map<String, Set<String>> running = new HashMap<>();
    hosts
        .hosts()
        .forEach(
            h -> {
              lives.put(h, hosts.agentLife(h));
              running.put(h, runningOn(h));
            });
    // at once: injected host by host, seconds apart under load, the first host cut off would have
    // lost the API server before its peers, which then rightly did not confirm an outage
    hosts.injectEverywhere(Fault.API_PARTITION).forEach(timeline::note);
    steps.expect("failover is frozen", steps.detection(), () -> fleet.operatorFrozen());
    Steps.pause(settings.hostGracePeriod().plus(settings.selfFenceAfter()));
    steps.expectThat("no VM moved", before.equals(fleet.placements()));
    steps.expectThat(
        "no host fenced itself",
        everyHost(
            h ->
                hosts.agentLife(h).equals(lives.get(h))
                    && runningOn(h).containsAll(running.get(h))));
    hosts.healEverywhere().forEach(timeline::note);
    timeline.note("the API server is back for everyone");
    steps.settle();
    steps.expectThat("every VM is where it was", before.equals(fleet.placements()));
    steps.expectThat(
        "no host fenced itself when the outage ended, though some renewed later than others",
        everyHost(
            h ->
                hosts.agentLife(h).equals(lives.get(h))
                    && runningOn(h).containsAll(running.get(h))));
  }

  private Set<String> runningOn(String host) {
    return hosts.instancesOn(host).stream()
        .filter(i -> i.state() == Instance.State.Running)
        .map(Instance::name)
        .collect(Collectors.toSet());
  }

  private boolean everyHost(Predicate<String> holds) {
    return hosts.hosts().stream().allMatch(holds);
  }
}
