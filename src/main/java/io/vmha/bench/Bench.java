package io.vmha.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.kube.VmAdmission;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scale benchmark (issue 7): an API server, the operator and a simulated fleet of N hosts and M
 * VMs in one process (the API server in its own processes with {@code --api real}). It places the
 * fleet, measures the API server's raw status-patch throughput as the baseline, crashes K hosts and
 * times every VM of theirs from detection to re-placed to running again.
 *
 * <p>This class runs the steps in order and measures the initial placement and the heap itself. The
 * fleet set-up is {@link BenchFleet}; what runs during the benchmark (API server, clients,
 * operator, simulated hosts, the bench's watch) is held in {@link BenchRig}; the other measurements
 * are {@link ApiBaseline} and {@link FailoverMeasurement}.
 */
public final class Bench {
  static final String LEASES = io.vmha.api.VmhaApi.SYSTEM_NAMESPACE;
  static final String BMC_SECRET = "bench-bmc";

  private final BenchOptions options;
  private final PrintStream out;
  private final Settings settings;
  private final BenchResult result = new BenchResult();
  private final BenchLog log;
  private final BenchRig rig = new BenchRig();
  private final BenchOptions.Identities identities;
  private Map<String, String> flowSchemaNames = Map.of();
  private HostIdentities hostIdentities;
  private BenchFleet fleet;

  public Bench(BenchOptions options, PrintStream out) {
    this.log = new BenchLog(out);
    this.options = options;
    this.out = out;
    this.identities = options.effectiveIdentities();
    Settings d = Settings.defaults();
    this.settings =
        new Settings(
            new Settings.Timings(
                options.heartbeat(), options.grace(), options.selfFence(), d.spmLeaseDuration()),
            new Settings.Failover(
                FencingPolicy.SelfFence, d.maxUnhealthyFraction(), d.reserveHosts()),
            d.restarts(),
            d.placement());
    List<String> errors = settings.validate();
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid timings: " + errors);
    }
    if (options.scenario() == BenchOptions.Scenario.FAILOVER
        && (options.fail() < 1 || options.fail() >= options.hosts())) {
      throw new IllegalArgumentException("--fail must be between 1 and hosts - 1");
    }
    if (options.effectiveIdentities() == BenchOptions.Identities.CHART
        && !"real".equals(options.api())) {
      throw new IllegalArgumentException(
          "--identities chart needs --api real: the embedded API server has no RBAC, admission"
              + " policies or API Priority and Fairness to apply them");
    }
    if (options.operatorHeap() != null && !"real".equals(options.api())) {
      throw new IllegalArgumentException(
          "--operator-heap needs --api real: the operator's own JVM reaches the API server by a"
              + " kubeconfig");
    }
  }

  /** Runs the whole benchmark; the result says what was measured and what went wrong. */
  public BenchResult run() throws Exception {
    try {
      startApi();
      result.createSeconds = fleet.create();
      fleet.createBaselineVms();
      startDatacenter();
      placeFleet();
      long baseline0 = System.nanoTime();
      rig.heartbeatPhases.mark("quiet", rig.quietSince, baseline0);
      ApiBaseline.measure(
          rig.operatorClient, options.baselineThreads(), options.baselinePatches(), result, log);
      rig.quietSince = System.nanoTime();
      rig.heartbeatPhases.mark("baseline", baseline0, rig.quietSince);
      result.coldStartVsBaseline = result.coldStartVmsPerSecond / result.baselinePatchesPerSecond;
      log.accept(
          String.format(
              "cold start: %.0f VMs/s = %.2f x baseline",
              result.coldStartVmsPerSecond, result.coldStartVsBaseline));
      // a quiet stretch long enough to time a few renewals of every host before the failover
      Thread.sleep(settings.heartbeatInterval().multipliedBy(5).toMillis());
      switch (options.scenario()) {
        case FAILOVER ->
            new FailoverMeasurement(rig, settings, result, log).measure(options.fail());
        case POWER_LOSS ->
            new PowerLossMeasurement(rig, settings, result, log)
                .measure(hostNames(), options.outage(), fleet::priorityOf);
        case COLD_START ->
            new FleetCorrectness(rig, settings, result, log).verify(List.of(), Map.of());
      }
      if (options.scenario() != BenchOptions.Scenario.FAILOVER) {
        rig.heartbeatPhases.mark("quiet", rig.quietSince, System.nanoTime());
      }
      reportHeartbeats();
      resources();
    } finally {
      rig.close();
    }
    result.totalSeconds = log.elapsedSeconds();
    if (options.json() != null) {
      Path parent = options.json().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(options.json().toFile(), result);
      out.println("result written to " + options.json());
    }
    return result;
  }

  // ---- set-up -----------------------------------------------------------------------------------

  private List<String> hostNames() {
    return java.util.stream.IntStream.range(0, options.hosts())
        .mapToObj(BenchFleet::hostName)
        .toList();
  }

  private void startApi() throws Exception {
    result.scenario = options.scenario().flag();
    result.hosts = options.hosts();
    result.vms = options.vms();
    result.failedHosts = options.fail();
    result.timings.put("heartbeatMs", (double) settings.heartbeatInterval().toMillis());
    result.timings.put("selfFenceMs", (double) settings.selfFenceAfter().toMillis());
    result.timings.put("graceMs", (double) settings.hostGracePeriod().toMillis());
    result.identities = identities.flag();
    BenchApi api;
    if ("real".equals(options.api())) {
      String why = RealApiServer.unavailable(options.k8sBinaries());
      if (why != null) {
        throw new SkipException("--api real is not available: " + why);
      }
      if (identities == BenchOptions.Identities.CHART) {
        why = ChartInstall.unavailable(options.chart());
        if (why != null) {
          throw new SkipException(why);
        }
      }
      api = RealApiServer.start(options.k8sBinaries(), log);
    } else if ("embedded".equals(options.api())) {
      api = BenchApi.embedded();
    } else {
      throw new IllegalArgumentException("--api must be embedded or real, not " + options.api());
    }
    result.api = api.name();
    log.accept("API server: " + api.name());
    rig.connect(api);
    for (String ns : List.of(BenchFleet.NAMESPACE, BenchFleet.BASELINE_NAMESPACE, LEASES)) {
      rig.benchClient
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    if (identities == BenchOptions.Identities.CHART) {
      ChartInstall.install(
          api.config(),
          options.chart(),
          LEASES,
          options.powerFencing() ? BMC_SECRET : null,
          options.chartValues(),
          log);
      if (VmAdmission.awaitReady(rig.benchClient, BenchFleet.NAMESPACE, Duration.ofSeconds(60))) {
        log.accept("new VMs carry the operator's finalizer from their creation (admission policy)");
      }
      rig.operatorAs(ChartInstall.operatorConfig(rig.benchClient, api.config(), LEASES));
    } else {
      rig.operatorAs(api.config());
    }
    if ("real".equals(options.api())) {
      flowSchemaNames = ApiIdentity.flowSchemaNamesByUid(rig.benchClient);
      result.operatorIdentity = ApiIdentity.whoAmI(rig.operatorClient);
    }
    fleet = new BenchFleet(options, rig.benchClient, log);
  }

  private void startDatacenter() throws Exception {
    AgentOptions agent = AgentOptions.simulatedFor(settings, LEASES);
    rig.heartbeatsWithin(agent.renewalDeadline());
    if (identities == BenchOptions.Identities.CHART) {
      hostIdentities =
          new HostIdentities(rig.benchClient, rig.agentClient, rig.heartbeatClient, LEASES);
      hostIdentities.create(hostNames());
      rig.hostClients = hostIdentities;
      result.agentIdentity = ApiIdentity.whoAmI(hostIdentities.client(BenchFleet.hostName(0)));
      log.accept(
          "identities: the operator is "
              + result.operatorIdentity
              + ", the agent of "
              + BenchFleet.hostName(0)
              + " is "
              + result.agentIdentity
              + " (impersonated)");
    } else {
      rig.agentsAsAdmin();
      if ("real".equals(options.api())) {
        result.agentIdentity = ApiIdentity.whoAmI(rig.agentClient);
      }
    }
    rig.datacenter =
        new SimulatedDatacenter(
                rig.agentClient,
                SimulationOptions.of(agent).withThreads(options.effectiveSimThreads()))
            .withHostClients(rig.hostClients);
    if ("real".equals(options.api())) {
      rig.datacenter.serverSelectsFields();
    }
    rig.datacenter.start();
    rig.watch = new FleetWatch(rig.benchClient, BenchFleet.NAMESPACE);
    for (int i = 0; i < options.hosts(); i++) {
      rig.datacenter.addHost(BenchFleet.hostName(i));
    }
    Work.await(
        "every host's agent reports",
        Duration.ofSeconds(60 + options.hosts() / 10),
        () -> rig.watch.reportingHosts() == options.hosts());
    log.accept(
        options.hosts()
            + " simulated hosts report ("
            + options.effectiveSimThreads()
            + " agent threads)");
    if (options.powerFencing()) {
      givePowerManagement();
    }
  }

  /**
   * PF: every host gets a BMC, all served by the simulated datacenter's Redfish service, whose
   * power-off cuts a host a second after the request.
   */
  private void givePowerManagement() throws Exception {
    try {
      rig.bmcs =
          io.vmha.agent.sim.SimulatedBmcs.start(
              rig.datacenter, Duration.ofSeconds(1), Files.createTempDirectory("vmha-bench-bmc"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    result.powerFencing = true;
    result.timings.put("powerFencedGraceMs", (double) settings.powerFencedGracePeriod().toMillis());
    rig.benchClient
        .secrets()
        .inNamespace(LEASES)
        .resource(
            io.vmha.kube.BmcSecrets.of(
                LEASES, BMC_SECRET, io.vmha.agent.sim.SimulatedBmcs.USERNAME, rig.bmcs.password()))
        .create();
    Work.parallel(
        options.hosts(),
        i -> {
          io.vmha.api.PowerManagement power =
              io.vmha.api.PowerManagement.redfish(
                  rig.bmcs.endpoint().toString(),
                  BenchFleet.hostName(i),
                  BMC_SECRET,
                  rig.bmcs.caPem());
          rig.benchClient
              .resources(io.vmha.api.VmHost.class)
              .withName(BenchFleet.hostName(i))
              .edit(
                  h -> {
                    h.getSpec().setPowerManagement(power);
                    return h;
                  });
        });
    log.accept(
        "every host has a BMC at "
            + rig.bmcs.endpoint()
            + "; a lost host is powered off after "
            + settings.powerFencedGracePeriod().toMillis()
            + " ms of silence");
  }

  private void startOperator() throws Exception {
    if (options.operatorHeap() == null) {
      rig.operator =
          new InProcessOperator(
              new VmhaOperator(
                      rig.operatorClient,
                      new OperatorOptions(
                          settings,
                          false,
                          "vmha-operator",
                          LEASES,
                          "vmha-bench-operator",
                          -1,
                          false),
                      rig.api.operatorOverrides())
                  .start(),
              rig.operatorRequests);
    } else {
      rig.operator =
          ChildOperator.start(rig.operatorConfig, settings, LEASES, options.operatorHeap(), log);
      result.operatorProcess = "own JVM, -Xmx" + options.operatorHeap();
    }
  }

  /**
   * Starts the operator and measures how fast it places the fleet; returns once the fleet is
   * settled and the operator quiet, so that nothing left over counts in what is measured next.
   */
  private void placeFleet() throws Exception {
    long cpu0 = ResourceUsage.processCpuNanos();
    Map<String, Long> agentRequests0 = rig.agentRequests.counts();
    long apiCpu0 = ResourceUsage.apiServerCpuNanos(rig.api);
    long t0 = System.nanoTime();
    startOperator();
    int ordinary = fleet.ordinaryVms();
    AtomicInteger last = new AtomicInteger();
    Work.await(
        "every VM is Running",
        Duration.ofSeconds(120 + options.vms() / 20),
        () -> {
          int running = rig.watch.running();
          int step = Math.max(100, options.vms() / 10);
          if (running / step > last.get() / step) {
            double at = Figures.seconds(System.nanoTime() - t0);
            result.coldStartProgress.put(String.format("%.1f", at), running);
            log.accept(String.format("  %d VMs Running after %.1f s", running, at));
          }
          last.set(running);
          return running == ordinary;
        });
    long elapsed = System.nanoTime() - t0;
    rig.heartbeatPhases.mark("coldStart", t0, t0 + elapsed);
    result.initialPlacementSeconds = Figures.seconds(elapsed);
    result.initialPlacementVmsPerSecond = ordinary / Figures.seconds(elapsed);
    result.coldStartVmsPerSecond = result.initialPlacementVmsPerSecond;
    result.coldStartOperatorWrites =
        OperatorUnderTest.writesBetween(Map.of(), rig.operator.requestCounts());
    result.coldStartOperatorWritesPerVm =
        (double) Figures.writes(result.coldStartOperatorWrites) / Math.max(1, ordinary);
    result.coldStartAgentWrites =
        Figures.writes(OperatorUnderTest.writesBetween(agentRequests0, rig.agentRequests.counts()));
    result.hostsJudgedLostDuringColdStart = rig.watch.hostsSeenNotResponding();
    result.apiServerCpuSeconds.put(
        "coldStart", Figures.seconds(ResourceUsage.apiServerCpuNanos(rig.api) - apiCpu0));
    result.initialPlacementProcessCpuSeconds =
        Figures.seconds(ResourceUsage.processCpuNanos() - cpu0);
    log.accept(
        String.format(
            "initial placement: %d VMs Running %.1f s after the operator started (%.0f VMs/s);"
                + " operator writes per VM %.2f %s; %d hosts judged lost meanwhile",
            ordinary,
            result.initialPlacementSeconds,
            result.initialPlacementVmsPerSecond,
            result.coldStartOperatorWritesPerVm,
            result.coldStartOperatorWrites,
            result.hostsJudgedLostDuringColdStart));
    if (fleet.phased()) {
      fleet.fillHostsToCrash(rig.watch);
    }
    Work.await("the baseline VMs are Stopped", Duration.ofSeconds(60), fleet::baselineVmsStopped);
    Thread.sleep(settings.heartbeatInterval().multipliedBy(3).toMillis()); // let the reports settle
    awaitQuietOperator();
    rig.quietSince = System.nanoTime();
  }

  /** Until the operator's writes (and its queued events) stop: a quiet fleet writes nothing. */
  private void awaitQuietOperator() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
    long quietSince = System.nanoTime();
    long last = Figures.writes(rig.operator.requestCounts());
    while (System.nanoTime() < deadline) {
      Thread.sleep(250);
      long now = Figures.writes(rig.operator.requestCounts());
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince > Duration.ofSeconds(2).toNanos()) {
        log.accept("the operator is quiet (no write for 2 s)");
        return;
      }
    }
    log.accept("the operator never went quiet for 2 s; measuring anyway");
  }

  // ---- heartbeats ------------------------------------------------------------------------------

  /** The renewals' latency by phase, who classified them, and what the API server refused. */
  private void reportHeartbeats() {
    result.heartbeatLatencyMs = rig.heartbeatPhases.byPhase();
    result.heartbeatFlowSchemas = rig.heartbeatPhases.flowSchemas(flowSchemaNames);
    result.agentRequestsRefused = rig.agentRefusals.counts();
    result.operatorRequestsRefused = rig.operatorRefusals.counts();
    result.heartbeatLatencyMs.forEach(
        (phase, figures) -> log.accept(HeartbeatLatency.describe(phase, figures)));
    log.accept(
        "heartbeats classified by FlowSchema "
            + result.heartbeatFlowSchemas
            + "; refused: agents "
            + result.agentRequestsRefused
            + ", operator "
            + result.operatorRequestsRefused
            + (rig.operator instanceof ChildOperator ? " (in its own JVM: not seen)" : ""));
    if (!result.apfDuringFailover.isEmpty()) {
      log.accept("API Priority and Fairness during the failover: " + result.apfDuringFailover);
    }
    if (rig.heartbeats.unmatched() > 0) {
      log.accept(rig.heartbeats.unmatched() + " renewal answers had lost their send time");
    }
  }

  // ---- resources --------------------------------------------------------------------------------

  /** Heap after GC with everything, and again without the operator: the difference is its share. */
  private void resources() {
    double all = ResourceUsage.heapAfterGcMiB();
    result.processHeapMiBAfterGc = all;
    rig.operator
        .cpuSeconds()
        .forEach((k, v) -> result.operatorThreadCpuSeconds.put("total " + k, v));
    if (rig.operator instanceof ChildOperator child) {
      result.operatorHeapMiB = child.heapAfterGcMiB();
      result.operatorMaxHeapMiB = child.maxHeapMiB();
      log.accept(
          String.format(
              "heap after GC: the operator's JVM %.0f MiB of its %.0f MiB limit; the bench's %.0f MiB",
              result.operatorHeapMiB, result.operatorMaxHeapMiB, all));
      return;
    }
    rig.operator.close();
    rig.operator = null;
    rig.operatorClient.close();
    double without = ResourceUsage.heapAfterGcMiB();
    result.operatorHeapMiB = all - without;
    log.accept(
        String.format(
            "heap after GC: %.0f MiB for the whole process, %.0f MiB of it the operator's",
            all, result.operatorHeapMiB));
  }

  /** The benchmark cannot run here (e.g. no kube-apiserver binaries for --api real). */
  public static final class SkipException extends RuntimeException {
    SkipException(String message) {
      super(message);
    }
  }
}
