package io.vmha.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark at CI size: correctness only (every VM of the crashed host re-placed and Running
 * again, none left on it, instance names unique), never timing.
 */
class BenchSmokeTest {

  @Test
  @Timeout(180)
  void fiftyHostsFiveHundredVmsOneHostCrashes(@TempDir Path dir) throws Exception {
    BenchResult result = run(options("embedded", 500, 0, dir, null));
    assertCorrect(result);
    assertThat(dir.resolve("bench.json")).exists();
  }

  /**
   * The operator alone in its own JVM under a heap limit, as a Deployment runs it, on a real API
   * server: the bench reads its requests, plans and heap from its /metrics.
   */
  @Test
  @Timeout(240)
  void anOperatorInItsOwnJvmFailsOverAndReportsItsHeapAndRequests(@TempDir Path dir)
      throws Exception {
    Path binaries = Path.of(RealApiServer.DEFAULT_DIR);
    Assumptions.assumeTrue(
        RealApiServer.unavailable(binaries) == null, "no kube-apiserver in " + binaries);
    String noChart = ChartInstall.unavailable(Path.of(BenchOptions.DEFAULT_CHART));
    Assumptions.assumeTrue(noChart == null, noChart); // --api real runs the chart's identities
    BenchResult result = run(options("real", 300, 60, dir, "256m"));
    assertCorrect(result);
    // the host to crash was filled on its own, to exactly --failed-host-vms
    assertThat(result.vmsOnCrashedHosts).isEqualTo(60);
    assertThat(result.operatorProcess).isEqualTo("own JVM, -Xmx256m");
    assertThat(result.operatorMaxHeapMiB).isEqualTo(256.0);
    assertThat(result.operatorHeapMiB).isPositive().isLessThan(256.0);
    assertThat(result.operatorWritesDuringFailover)
        .containsKey("PUT virtualmachines/status")
        .containsKey("PATCH vmhosts/status");
    assertThat(result.operatorWritesDuringFailover.get("PUT virtualmachines/status"))
        .as("at least a placement write per failed-over VM")
        .isGreaterThanOrEqualTo(result.vmsOnCrashedHosts);
    assertThat(result.planDurationSeconds.get("failoverPlans")).isPositive();
    // the operator's JVM ran with the token of the chart's ServiceAccount
    assertThat(result.identities).isEqualTo("chart");
    assertThat(result.apfDuringFailover)
        .containsKey("dispatched " + ChartInstall.OPERATOR_FLOW_SCHEMA + "/workload-high");
  }

  /**
   * Every host crashes at once and comes back: nothing moves while they are down (H5), and once
   * they are back every VM is restarted by the operator, its status showing it (F7).
   */
  @Test
  @Timeout(180)
  void aPowerLossRestartsEveryVmOnceTheHostsAreBack(@TempDir Path dir) throws Exception {
    BenchResult result =
        run(options("embedded", 300, 0, dir, null, BenchOptions.Scenario.POWER_LOSS));
    assertThat(result.violations).isEmpty();
    assertThat(result.coldStartOperatorWrites).containsKey("PUT virtualmachines/status");
    assertThat(result.hostsJudgedLostDuringColdStart).isZero();
    assertThat(result.powerLossVms).isEqualTo(300);
    assertThat(result.vmsMovedDuringOutage).isZero();
    assertThat(result.powerLossVmsRunningAgain).isEqualTo(300);
    assertThat(result.vmsWhoseStatusShowsTheRestart).isEqualTo(300);
    assertThat(result.hostsJudgedLostAfterReturn).isZero();
    assertThat(result.runningAfterReturnMsByPriority).containsKeys("High", "Medium", "Low");
    assertThat(result.correct()).isTrue();
  }

  private static BenchOptions options(
      String api, int vms, int failedHostVms, Path dir, String operatorHeap) {
    return options(api, vms, failedHostVms, dir, operatorHeap, BenchOptions.Scenario.FAILOVER);
  }

  private static BenchOptions options(
      String api,
      int vms,
      int failedHostVms,
      Path dir,
      String operatorHeap,
      BenchOptions.Scenario scenario) {
    return new BenchOptions(
        50,
        vms,
        1,
        failedHostVms,
        api,
        Path.of(RealApiServer.DEFAULT_DIR),
        Duration.ofSeconds(1),
        Duration.ofSeconds(3),
        Duration.ofSeconds(6),
        200,
        8,
        4,
        dir.resolve("bench.json"),
        operatorHeap,
        false,
        scenario,
        Duration.ofSeconds(10),
        null,
        Path.of(BenchOptions.DEFAULT_CHART),
        List.of());
  }

  private static BenchResult run(BenchOptions options) throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    BenchResult result;
    try (PrintStream out = new PrintStream(captured, true)) {
      result = new Bench(options, out).run();
    }
    System.out.println(captured);
    return result;
  }

  private static void assertCorrect(BenchResult result) {
    assertThat(result.violations).isEmpty();
    assertThat(result.vmsOnCrashedHosts).isPositive();
    assertThat(result.vmsReplaced).isEqualTo(result.vmsOnCrashedHosts);
    assertThat(result.vmsRunningAgain).isEqualTo(result.vmsOnCrashedHosts);
    assertThat(result.correct()).isTrue();
  }
}
