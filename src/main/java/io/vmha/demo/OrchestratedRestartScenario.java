package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.api.ReadyWhen;
import io.vmha.api.RestartReadiness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Orchestrated restart (O1): {@code db} (High) must be up for a while before {@code batch} (Low),
 * which starts after it. Both run on one host, which crashes: db fails over at once; batch waits,
 * Pending with the reason, until db has been Running for its postReadyDelay, then fails over too.
 */
final class OrchestratedRestartScenario extends Scenario {
  private static final int POST_READY_DELAY_SECONDS = 8;

  OrchestratedRestartScenario(Steps steps) {
    super("A restart waits for what must come first: batch after db", "O1, F1", steps);
  }

  @Override
  void play() {
    String host = fleet.vm("db").getStatus().getHost();
    steps.patchVm(
        "db",
        "{\"spec\":{\"highAvailability\":{\"readiness\":{\"postReadyDelaySeconds\":"
            + POST_READY_DELAY_SECONDS
            + "}}}}",
        vm -> vm.getSpec().getHighAvailability().setReadiness(readiness()));
    steps.patchVm(
        "batch",
        "{\"spec\":{\"startAfter\":[\"db\"]}}",
        vm -> vm.getSpec().setStartAfter(List.of("db")));
    if (!host.equals(fleet.vm("batch").getStatus().getHost())) {
      bringBatchTo(host);
    }

    steps.fault(host, Fault.HOST_CRASH);
    steps.expect(
        "batch waits, Pending, while db restarts",
        steps.detection(),
        () -> {
          var status = fleet.vm("batch").getStatus();
          return "Pending".equals(status.getPhase())
              && status.getReason() != null
              && status.getReason().startsWith("WaitingFor");
        });
    steps.check("batch: " + fleet.vm("batch").getStatus().getMessage());
    steps.expect(
        "db runs on another host, then batch",
        steps.detection().plus(Duration.ofSeconds(POST_READY_DELAY_SECONDS * 2L)),
        () -> fleet.runsOffHost("db", host) && fleet.runsOffHost("batch", host));
    Duration gap = Duration.between(readySince("db"), readySince("batch"));
    steps.expectThat(
        "batch started "
            + gap.toSeconds()
            + " s after db was Running (postReadyDelay "
            + POST_READY_DELAY_SECONDS
            + " s)",
        gap.toSeconds() >= POST_READY_DELAY_SECONDS);
    steps.heal(host);
    steps.patchVm(
        "db",
        "{\"spec\":{\"highAvailability\":{\"readiness\":null}}}",
        vm -> vm.getSpec().getHighAvailability().setReadiness(null));
    steps.patchVm(
        "batch", "{\"spec\":{\"startAfter\":null}}", vm -> vm.getSpec().setStartAfter(null));
    steps.settle();
  }

  private static RestartReadiness readiness() {
    RestartReadiness readiness = new RestartReadiness();
    readiness.setReadyWhen(ReadyWhen.Running);
    readiness.setPostReadyDelaySeconds(POST_READY_DELAY_SECONDS);
    return readiness;
  }

  /** Restarts batch on db's host: every other host cordoned while it starts. */
  private void bringBatchTo(String host) {
    List<String> others = hosts.hosts().stream().filter(h -> !h.equals(host)).toList();
    others.forEach(h -> steps.cordon(h, true));
    steps.patchVm("batch", "{\"spec\":{\"running\":false}}", vm -> vm.getSpec().setRunning(false));
    steps.expect(
        "batch is stopped",
        steps.detection(),
        () -> "Stopped".equals(FleetView.phase(fleet.vm("batch"))));
    steps.patchVm("batch", "{\"spec\":{\"running\":true}}", vm -> vm.getSpec().setRunning(true));
    steps.expect(
        "batch runs on " + host + " with db",
        steps.detection(),
        () ->
            "Running".equals(FleetView.phase(fleet.vm("batch")))
                && host.equals(fleet.vm("batch").getStatus().getHost()));
    others.forEach(h -> steps.cordon(h, false));
  }

  private Instant readySince(String name) {
    return Instant.parse(FleetView.condition(fleet.vm(name), "Ready").getLastTransitionTime());
  }
}
