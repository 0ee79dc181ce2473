package io.vmha.bench;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vmha.agent.sim.Fault;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Crashes the busiest hosts and times every VM of theirs from detection to re-placed to running
 * again, with the operator's requests, CPU time and planning passes during the failover; then
 * checks that the outcome is correct.
 */
final class FailoverMeasurement {
  private final BenchRig rig;
  private final Settings settings;
  private final BenchResult result;
  private final BenchLog log;

  FailoverMeasurement(BenchRig rig, Settings settings, BenchResult result, BenchLog log) {
    this.rig = rig;
    this.settings = settings;
    this.result = result;
    this.log = log;
  }

  /** Crashes {@code hostsToCrash} hosts at once and measures until their VMs run again. */
  void measure(int hostsToCrash) throws Exception {
    // the busiest hosts (the enlarged ones, normally) are the ones to crash
    List<String> crashed =
        rig.watch.load().entrySet().stream()
            .sorted(
                Map.Entry.<String, Integer>comparingByValue()
                    .reversed()
                    .thenComparing(Map.Entry.comparingByKey()))
            .limit(hostsToCrash)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    result.hostsJudgedLostBeforeCrash = rig.watch.hostsSeenNotResponding();
    result.crashedHosts = crashed;
    Map<String, FleetWatch.Victim> victims = rig.watch.watchVictims(crashed);
    result.vmsOnCrashedHosts = victims.size();
    log.accept(
        "crashing " + crashed + " (" + victims.size() + " VMs): sim.vmha.io/fault=host-crash");
    OperatorUnderTest operator = rig.operator;
    Map<String, Double> cpuBefore = operator.cpuSeconds();
    OperatorUnderTest.PlanStats plans0 = operator.plans();
    long apiCpu0 = ResourceUsage.apiServerCpuNanos(rig.api);
    long cpu0 = ResourceUsage.processCpuNanos();
    Map<String, Long> requests0 = operator.requestCounts();
    Map<String, Long> agentRequests0 = rig.agentRequests.counts();
    Map<String, Double> apf0 = ApfMetrics.scrape(rig.benchClient);
    long crashNanos = System.nanoTime();
    Instant crashAt = Instant.now();
    rig.heartbeatPhases.mark("quiet", rig.quietSince, crashNanos);
    for (String host : crashed) {
      rig.datacenter.annotateFaults(host, EnumSet.of(Fault.HOST_CRASH));
    }
    Duration timeout =
        settings
            .hostGracePeriod()
            .multipliedBy(3)
            .plus(Duration.ofSeconds(60 + victims.size() / 20));
    Work.await(
        "every VM of the crashed hosts runs again elsewhere",
        timeout,
        () -> victims.values().stream().allMatch(v -> v.running != 0));
    long doneNanos = System.nanoTime();
    rig.heartbeatPhases.mark("failover", crashNanos, doneNanos);
    result.apfDuringFailover = ApfMetrics.between(apf0, ApfMetrics.scrape(rig.benchClient));
    long detectionNanos = detectionNanos(crashed, crashNanos, crashAt);
    result.detectionMs = Figures.millis(detectionNanos - crashNanos);
    result.hostNotRespondingSeenMs =
        crashed.stream()
            .map(rig.watch::notRespondingSince)
            .filter(Objects::nonNull)
            .mapToDouble(t -> Figures.millis(t - crashNanos))
            .max()
            .orElse(Double.NaN);

    List<Long> replaced = new ArrayList<>();
    List<Long> running = new ArrayList<>();
    List<Long> sinceCrash = new ArrayList<>();
    long lastReplaced = 0;
    for (FleetWatch.Victim v : victims.values()) {
      if (v.replaced != 0) {
        replaced.add(v.replaced - detectionNanos);
        lastReplaced = Math.max(lastReplaced, v.replaced);
      }
      if (v.running != 0) {
        running.add(v.running - detectionNanos);
        sinceCrash.add(v.running - crashNanos);
      }
    }
    result.vmsReplaced = replaced.size();
    result.vmsRunningAgain = running.size();
    result.replacedAfterDetectionMs = Figures.percentiles(replaced);
    result.runningAfterDetectionMs = Figures.percentiles(running);
    result.runningAfterCrashMs = Figures.percentiles(sinceCrash);
    result.failoverP99Ms =
        result.detectionMs + result.runningAfterDetectionMs.getOrDefault("p99", Double.NaN);
    result.replacementRateVmsPerSecond =
        replaced.size() / Figures.seconds(lastReplaced - detectionNanos);
    result.replacementRateVsBaseline =
        result.replacementRateVmsPerSecond / result.baselinePatchesPerSecond;
    Map<String, Long> requests = operator.requestCounts();
    result.operatorWritesDuringFailover = OperatorUnderTest.writesBetween(requests0, requests);
    result.operatorReadsDuringFailover = OperatorUnderTest.readsBetween(requests0, requests);
    result.operatorWritesPerFailedOverVm =
        (double) Figures.writes(result.operatorWritesDuringFailover) / Math.max(1, victims.size());
    result.agentWritesDuringFailover =
        Figures.writes(OperatorUnderTest.writesBetween(agentRequests0, rig.agentRequests.counts()));
    result.failoverProcessCpuSeconds = Figures.seconds(ResourceUsage.processCpuNanos() - cpu0);
    result.apiServerCpuSeconds.put(
        "failover", Figures.seconds(ResourceUsage.apiServerCpuNanos(rig.api) - apiCpu0));
    Map<String, Double> cpuAfter = operator.cpuSeconds();
    cpuAfter.forEach(
        (k, v) ->
            result.operatorThreadCpuSeconds.put(
                "failover " + k, v - cpuBefore.getOrDefault(k, 0.0)));
    OperatorUnderTest.PlanStats plans1 = operator.plans();
    long plans = plans1.count() - plans0.count();
    result.planDurationSeconds.put("failoverPlans", (double) plans);
    result.planDurationSeconds.put(
        "failoverMean", plans == 0 ? 0 : (plans1.totalSeconds() - plans0.totalSeconds()) / plans);
    result.planDurationSeconds.put("max", plans1.maxSeconds());
    log.accept(
        String.format(
            "detection %.0f ms after the crash (host NotResponding seen at %.0f ms)",
            result.detectionMs, result.hostNotRespondingSeenMs));
    log.accept(
        String.format(
            "after detection: re-placed p50 %.0f / p99 %.0f / max %.0f ms; running p50 %.0f / p99 %.0f / max %.0f ms",
            result.replacedAfterDetectionMs.get("p50"),
            result.replacedAfterDetectionMs.get("p99"),
            result.replacedAfterDetectionMs.get("max"),
            result.runningAfterDetectionMs.get("p50"),
            result.runningAfterDetectionMs.get("p99"),
            result.runningAfterDetectionMs.get("max")));
    log.accept(
        String.format(
            "re-placement rate %.0f VMs/s = %.2f x baseline; operator writes per failed-over VM %.2f %s",
            result.replacementRateVmsPerSecond,
            result.replacementRateVsBaseline,
            result.operatorWritesPerFailedOverVm,
            result.operatorWritesDuringFailover));
    log.accept(
        String.format(
            "all %d VMs running again %.1f s after the crash; crash to running p50 %.0f / p99 %.0f"
                + " ms%s",
            victims.size(),
            Figures.seconds(doneNanos - crashNanos),
            result.runningAfterCrashMs.get("p50"),
            result.runningAfterCrashMs.get("p99"),
            result.powerFencing ? " (power fencing)" : " (self-fence deadline)"));
    Thread.sleep(settings.heartbeatInterval().multipliedBy(2).toMillis());
    new FleetCorrectness(rig, settings, result, log).verify(crashed, victims);
  }

  /**
   * When the crashed hosts were judged lost, on the nanoTime scale of {@code crashNanos}: the
   * operator judges a host lost hostGracePeriod after it saw the last renewal. The Lease's
   * renewTime is on this process's clock (the simulated agents run here), so the same instant.
   */
  private long detectionNanos(List<String> crashed, long crashNanos, Instant crashAt) {
    Instant lastRenewal = Instant.EPOCH;
    for (String host : crashed) {
      Lease lease =
          rig.benchClient
              .leases()
              .inNamespace(Bench.LEASES)
              .withName(VmhaApi.hostLeaseName(host))
              .get();
      Instant renewed = lease.getSpec().getRenewTime().toInstant();
      lastRenewal = renewed.isAfter(lastRenewal) ? renewed : lastRenewal;
    }
    // with a BMC the host is judged lost after the shorter power-fenced grace period (PF1)
    Instant detectedAt =
        lastRenewal.plus(
            result.powerFencing ? settings.powerFencedGracePeriod() : settings.hostGracePeriod());
    return crashNanos + Duration.between(crashAt, detectedAt).toNanos();
  }
}
