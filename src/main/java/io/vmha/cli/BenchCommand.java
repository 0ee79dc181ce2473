package io.vmha.cli;

import io.vmha.bench.Bench;
import io.vmha.bench.BenchOptions;
import io.vmha.bench.BenchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmha bench}: the scale benchmark (docs/benchmarks.md). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Start an API server, the operator and N simulated hosts with M VMs in this process, place the",
      "fleet, measure the API server's raw status-patch throughput, crash K hosts and time every VM",
      "of theirs from detection to re-placed to running again (--scenario failover), or only time the",
      "cold start, or crash every host at once and time the restart of the whole fleet when they",
      "return (--scenario cold-start, power-loss). Exits 1 if a VM was lost or misplaced,",
      "2 if --api real cannot run here."
    })
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--hosts",
      defaultValue = "50",
      description = "Simulated hosts (default ${DEFAULT-VALUE}).")
  int hosts;

  @Option(names = "--vms", defaultValue = "500", description = "VMs (default ${DEFAULT-VALUE}).")
  int vms;

  @Option(
      names = "--fail",
      defaultValue = "1",
      description = "Hosts crashed at once (default ${DEFAULT-VALUE}).")
  int fail;

  @Option(
      names = "--failed-host-vms",
      defaultValue = "200",
      description =
          "VMs each crashed host carries: it has room for exactly that many and is filled first,"
              + " while the others are unschedulable (default ${DEFAULT-VALUE}; 0: like the others).")
  int failedHostVms;

  @Option(
      names = "--api",
      defaultValue = "embedded",
      description = "embedded or real (default ${DEFAULT-VALUE}).")
  String api;

  @Option(
      names = "--k8s-binaries",
      description =
          "Directory of etcd and kube-apiserver for --api real (default ~/"
              + BenchOptions.DEFAULT_K8S_BINARIES
              + ").")
  Path k8sBinaries;

  @Option(
      names = "--heartbeat",
      defaultValue = "1s",
      description = "Heartbeat interval (default ${DEFAULT-VALUE}).")
  Duration heartbeat;

  @Option(
      names = "--self-fence-after",
      defaultValue = "3s",
      description = "Self-fence delay (default ${DEFAULT-VALUE}).")
  Duration selfFence;

  @Option(
      names = "--grace",
      defaultValue = "6s",
      description =
          "Host grace period, at least self-fence + heartbeat + 2 s (default ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(
      names = "--baseline-patches",
      defaultValue = "2000",
      description = "Raw status patches of the baseline (default ${DEFAULT-VALUE}).")
  int baselinePatches;

  @Option(
      names = "--baseline-threads",
      defaultValue = "16",
      description = "Threads of the baseline (default ${DEFAULT-VALUE}).")
  int baselineThreads;

  @Option(
      names = "--sim-threads",
      defaultValue = "0",
      description = "Threads of the simulated agents (default: hosts/4, 4 to 64).")
  int simThreads;

  @Option(
      names = "--operator-heap",
      description =
          "Run the operator alone in a JVM of its own with this heap limit (e.g. 512m; --api real"
              + " only): its heap is then measured by itself, as a Deployment would run it.")
  String operatorHeap;

  @Option(
      names = "--power-fencing",
      description =
          "Give every host a BMC (the simulated datacenter's Redfish service): a crashed host is"
              + " judged lost after the power-fenced grace period and powered off, and its VMs"
              + " restart once the BMC confirms, instead of at the self-fence deadline.")
  boolean powerFencing;

  @Option(
      names = "--scenario",
      defaultValue = "failover",
      description =
          "What follows the cold start and the baseline: failover (--fail hosts crash), cold-start"
              + " (nothing: every VM was created, then the operator started) or power-loss (every"
              + " host crashes at once and comes back after --outage; every VM must run again)"
              + " (default ${DEFAULT-VALUE}).")
  String scenario;

  @Option(
      names = "--outage",
      defaultValue = "30s",
      description =
          "How long every host stays down in --scenario power-loss (default ${DEFAULT-VALUE}).")
  Duration outage;

  @Option(
      names = "--identities",
      description =
          "chart: install the Helm chart (helm from $VMHA_HELM, ~/.kubeapitest/bin/helm or the"
              + " PATH), run the operator as its ServiceAccount and every host's agent as its own"
              + " (vmha-host-NAME), so that RBAC, the admission policies and API Priority and"
              + " Fairness apply; admin: everyone is the admin, whom priority and fairness exempts"
              + " (default: chart with --api real, admin with embedded).")
  String identities;

  @Option(
      names = "--chart",
      defaultValue = BenchOptions.DEFAULT_CHART,
      description = "The Helm chart for --identities chart (default ${DEFAULT-VALUE}).")
  Path chart;

  @Option(
      names = "--chart-set",
      paramLabel = "KEY=VALUE",
      description =
          "A value of the chart for --identities chart, as helm install --set takes it"
              + " (repeatable), e.g. vmFinalizerAtCreation=true.")
  List<String> chartValues;

  @Option(names = "--json", description = "Write the result as JSON to this file.")
  Path json;

  @Option(names = "--verbose", description = "Also print the operator's and agents' logs.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    BenchOptions options =
        new BenchOptions(
            hosts,
            vms,
            fail,
            failedHostVms,
            api,
            k8sBinaries == null
                ? Path.of(System.getProperty("user.home"), BenchOptions.DEFAULT_K8S_BINARIES)
                : k8sBinaries,
            heartbeat,
            selfFence,
            grace,
            baselinePatches,
            baselineThreads,
            simThreads,
            json,
            operatorHeap,
            powerFencing,
            BenchOptions.Scenario.of(scenario),
            outage,
            identities == null ? null : BenchOptions.Identities.of(identities),
            chart,
            chartValues == null ? List.of() : chartValues);
    try {
      BenchResult result = new Bench(options, System.out).run();
      return result.correct() ? 0 : 1;
    } catch (Bench.SkipException e) {
      System.out.println("SKIPPED: " + e.getMessage());
      return 2;
    }
  }
}
