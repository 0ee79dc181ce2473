package io.vmha.bench;

import io.vmha.agent.sim.Fault;
import io.vmha.api.Priority;
import io.vmha.core.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The worst day: every host loses power at once and comes back after the outage. While they are
 * down nothing may move (the failover freeze, H5: there is nowhere to go, and a host that is merely
 * cut off must not be raced); once they are back every VM must run again, higher priority first
 * (P4), and no host that came back may be judged lost.
 */
final class PowerLossMeasurement {
  private final BenchRig rig;
  private final Settings settings;
  private final BenchResult result;
  private final BenchLog log;

  PowerLossMeasurement(BenchRig rig, Settings settings, BenchResult result, BenchLog log) {
    this.rig = rig;
    this.settings = settings;
    this.result = result;
    this.log = log;
  }

  /**
   * Cuts every host's power, waits {@code outage}, restores it and times every VM back to Running.
   *
   * @param priorityOf each VM's priority, by name
   */
  void measure(List<String> hosts, Duration outage, Function<String, Priority> priorityOf)
      throws Exception {
    result.hostsJudgedLostBeforeCrash = rig.watch.hostsSeenNotResponding();
    result.outageSeconds = outage.toMillis() / 1000.0;
    Map<String, Long> requests0 = rig.operator.requestCounts();
    Map<String, Long> agentRequests0 = rig.agentRequests.counts();
    long apiCpu0 = ResourceUsage.apiServerCpuNanos(rig.api);
    Instant powerOff = Instant.now();
    Map<String, FleetWatch.Restart> restarts = rig.watch.watchRestarts(powerOff);
    result.powerLossVms = restarts.size();
    log.accept(
        String.format(
            "power loss: all %d hosts crash at once (%d VMs), back after %d s",
            hosts.size(), restarts.size(), outage.toSeconds()));
    // from code, not by annotation: a thousand annotation patches would take seconds, and a power
    // loss takes every host in the same instant
    for (String host : hosts) {
      rig.datacenter.setFaults(host, EnumSet.of(Fault.HOST_CRASH));
    }
    Thread.sleep(outage.toMillis());
    result.vmsMovedDuringOutage = (int) restarts.values().stream().filter(r -> r.moved).count();
    log.accept(
        result.vmsMovedDuringOutage == 0
            ? "during the outage no VM was moved (failover frozen)"
            : result.vmsMovedDuringOutage + " VMs were moved while every host was down");

    long back = System.nanoTime();
    for (String host : hosts) {
      rig.datacenter.setFaults(host, Set.of());
    }
    Work.await(
        "every host is Up again",
        Duration.ofSeconds(60).plus(settings.hostGracePeriod()),
        () -> rig.watch.upHosts() == hosts.size());
    result.allHostsUpAfterReturnMs = Figures.millis(System.nanoTime() - back);
    rig.watch.forgetNotResponding();
    log.accept(
        String.format(
            "every host Up again %.1f s after the power came back",
            result.allHostsUpAfterReturnMs / 1000));
    try {
      Work.await(
          "every VM runs again",
          Duration.ofSeconds(180 + restarts.size() / 20),
          () -> restarts.values().stream().allMatch(r -> r.running != 0));
    } catch (IllegalStateException e) {
      restarts.entrySet().stream()
          .filter(r -> r.getValue().running == 0)
          .limit(5)
          .forEach(r -> log.accept("  not running again: " + statusOf(r.getKey())));
      throw e;
    }
    long done = restarts.values().stream().mapToLong(r -> r.running).max().orElse(back);
    result.powerLossVmsRunningAgain =
        (int) restarts.values().stream().filter(r -> r.running != 0).count();
    result.powerLossRestartSeconds = Figures.seconds(done - back);
    result.powerLossRestartVmsPerSecond = restarts.size() / result.powerLossRestartSeconds;
    result.powerLossRestartVsBaseline =
        result.powerLossRestartVmsPerSecond / result.baselinePatchesPerSecond;
    Map<String, Long> requests = rig.operator.requestCounts();
    result.powerLossOperatorWrites = OperatorUnderTest.writesBetween(requests0, requests);
    result.powerLossOperatorWritesPerVm =
        (double) Figures.writes(result.powerLossOperatorWrites) / Math.max(1, restarts.size());
    result.powerLossAgentWrites =
        Figures.writes(OperatorUnderTest.writesBetween(agentRequests0, rig.agentRequests.counts()));
    result.apiServerCpuSeconds.put(
        "powerLoss", Figures.seconds(ResourceUsage.apiServerCpuNanos(rig.api) - apiCpu0));
    byPriority(restarts, priorityOf, back);
    result.vmsWhoseStatusShowsTheRestart = statusesShowingRestart(powerOff);
    log.accept(
        String.format(
            "all %d VMs running again %.1f s after the power came back: %.0f VMs/s = %.2f x"
                + " baseline; operator writes per VM %.2f %s",
            restarts.size(),
            result.powerLossRestartSeconds,
            result.powerLossRestartVmsPerSecond,
            result.powerLossRestartVsBaseline,
            result.powerLossOperatorWritesPerVm,
            result.powerLossOperatorWrites));
    result.runningAfterReturnMsByPriority.forEach(
        (priority, p) ->
            log.accept(
                String.format(
                    "  %s: running p50 %.0f / p99 %.0f / max %.0f ms after the return",
                    priority, p.get("p50"), p.get("p99"), p.get("max"))));
    log.accept(
        result.priorityInversions
            + " VMs ran again before a VM of higher priority (P4 orders placement, not start)");
    Thread.sleep(settings.heartbeatInterval().multipliedBy(2).toMillis());
    result.hostsJudgedLostAfterReturn = rig.watch.hostsSeenNotResponding();
    log.accept(
        result.hostsJudgedLostAfterReturn + " hosts judged lost after every host was Up again");
    new FleetCorrectness(rig, settings, result, log).verify(List.of(), Map.of());
  }

  private int statusesShowingRestart(Instant powerOff) {
    int shown = 0;
    for (var vm :
        rig.benchClient
            .resources(io.vmha.api.VirtualMachine.class)
            .inNamespace(BenchFleet.NAMESPACE)
            .list()
            .getItems()) {
      var status = vm.getStatus();
      if (status != null
          && status.getPhaseSince() != null
          && Instant.parse(status.getPhaseSince()).isAfter(powerOff)) {
        shown++;
      }
    }
    return shown;
  }

  private String statusOf(String vm) {
    var status =
        rig.benchClient
            .resources(io.vmha.api.VirtualMachine.class)
            .inNamespace(BenchFleet.NAMESPACE)
            .withName(vm)
            .get()
            .getStatus();
    return vm
        + " "
        + (status == null
            ? "without status"
            : status.getPhase()
                + " since "
                + status.getPhaseSince()
                + " on "
                + status.getHost()
                + ": "
                + status.getMessage());
  }

  /**
   * Percentiles per priority, and how many VMs ran before the last one of a higher priority: how
   * closely the restart followed P4.
   */
  private void byPriority(
      Map<String, FleetWatch.Restart> restarts, Function<String, Priority> priorityOf, long back) {
    Map<Priority, List<Long>> times = new java.util.EnumMap<>(Priority.class);
    restarts.forEach(
        (name, r) ->
            times.computeIfAbsent(priorityOf.apply(name), p -> new ArrayList<>()).add(r.running));
    long lastOfHigher = Long.MIN_VALUE;
    int inversions = 0;
    for (Priority p : List.of(Priority.High, Priority.Medium, Priority.Low)) {
      List<Long> t = times.getOrDefault(p, List.of());
      if (t.isEmpty()) {
        continue;
      }
      for (long running : t) {
        if (running < lastOfHigher) {
          inversions++;
        }
      }
      result.runningAfterReturnMsByPriority.put(
          p.name(), Figures.percentiles(t.stream().map(x -> x - back).toList()));
      lastOfHigher = Math.max(lastOfHigher, t.stream().mapToLong(x -> x).max().orElse(0));
    }
    result.priorityInversions = inversions;
  }
}
