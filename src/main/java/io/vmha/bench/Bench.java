package io.vmha.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.api.HighAvailability;
import io.vmha.api.ImageRef;
import io.vmha.api.Priority;
import io.vmha.api.RepositoryType;
import io.vmha.api.Resources;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.TemplateRef;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmTemplateSpec;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.kube.AddOrUpdate;
import io.vmha.kube.ApiRequestCounter;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * The scale benchmark (issue 7): an API server, the operator and a simulated fleet of N hosts and M
 * VMs in one process (the API server in its own processes with {@code --api real}). It places the
 * fleet, measures the API server's raw status-patch throughput as the baseline, crashes K hosts and
 * times every VM of theirs from detection to re-placed to running again.
 *
 * <p>Three clients: the operator's and the agents' count their requests; the bench's own (fleet
 * creation, watching, fault annotations) is not counted.
 */
public final class Bench {
  static final String NAMESPACE = "vmha-bench";
  static final String BASELINE_NAMESPACE = "vmha-bench-baseline";
  static final String LEASES = "vmha-system";
  static final String REPOSITORY = "shared";
  static final String TEMPLATE = "small";
  static final int VM_CPUS = 1;
  static final long VM_MEMORY_MIB = 1024;

  private final BenchOptions options;
  private final PrintStream out;
  private final Settings settings;
  private final BenchResult result = new BenchResult();
  private final ApiRequestCounter operatorRequests = new ApiRequestCounter();
  private final ApiRequestCounter agentRequests = new ApiRequestCounter();
  private final long started = System.nanoTime();

  private BenchApi api;
  private KubernetesClient benchClient;
  private KubernetesClient operatorClient;
  private KubernetesClient agentClient;
  private OperatorUnderTest operator;
  private SimulatedDatacenter datacenter;
  private SharedIndexInformer<VirtualMachine> vmWatch;
  private SharedIndexInformer<VmHost> hostWatch;
  private final Map<String, Victim> victims = new ConcurrentHashMap<>();
  private final Map<String, Long> notRespondingSeen = new ConcurrentHashMap<>();

  /** A VM of a crashed host, and when the bench saw it re-placed and running again (nanoTime). */
  static final class Victim {
    final String oldHost;
    final String oldInstance;
    volatile long replaced;
    volatile long running;
    volatile String newHost;

    Victim(String oldHost, String oldInstance) {
      this.oldHost = oldHost;
      this.oldInstance = oldInstance;
    }
  }

  public Bench(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
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
    if (options.fail() < 1 || options.fail() >= options.hosts()) {
      throw new IllegalArgumentException("--fail must be between 1 and hosts - 1");
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
      createFleet();
      baselineVms();
      startDatacenter();
      placeFleet();
      baseline();
      failover();
      resources();
    } finally {
      close();
    }
    result.totalSeconds = seconds(System.nanoTime() - started);
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

  // ---- set-up ----------------------------------------------------------------------------------

  private void startApi() throws Exception {
    result.hosts = options.hosts();
    result.vms = options.vms();
    result.failedHosts = options.fail();
    result.timings.put("heartbeatMs", (double) settings.heartbeatInterval().toMillis());
    result.timings.put("selfFenceMs", (double) settings.selfFenceAfter().toMillis());
    result.timings.put("graceMs", (double) settings.hostGracePeriod().toMillis());
    if ("real".equals(options.api())) {
      String why = RealApiServer.unavailable(options.k8sBinaries());
      if (why != null) {
        throw new SkipException("--api real is not available: " + why);
      }
      api = RealApiServer.start(options.k8sBinaries(), this::say);
    } else if ("embedded".equals(options.api())) {
      api = BenchApi.embedded();
    } else {
      throw new IllegalArgumentException("--api must be embedded or real, not " + options.api());
    }
    result.api = api.name();
    say("API server: " + api.name());
    benchClient = api.client(null);
    operatorClient = api.client(operatorRequests);
    agentClient = api.client(agentRequests);
    for (String ns : List.of(NAMESPACE, BASELINE_NAMESPACE, LEASES)) {
      benchClient
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
  }

  /** Capacity of an ordinary host. */
  private int hostCpus() {
    int perHost = (options.vms() + options.hosts() - 1) / options.hosts();
    return Math.max(16, 3 * perHost);
  }

  /**
   * How many VMs each host to be crashed carries: {@code --failed-host-vms}, as far as the fleet
   * allows (each crashed host at most the share of one host more than the others); 0 for hosts like
   * the others.
   */
  private int victimsPerCrashedHost() {
    int target = options.failedHostVms();
    int k = options.fail();
    if (target <= 0 || (long) target * options.hosts() <= options.vms()) {
      return 0;
    }
    return Math.min(target, options.vms() / (k + 1));
  }

  private boolean phased() {
    return victimsPerCrashedHost() > 0;
  }

  /** The VMs of the hosts that do not crash: all of them unless the fleet is phased. */
  private int ordinaryVms() {
    return options.vms() - options.fail() * victimsPerCrashedHost();
  }

  static String hostName(int i) {
    return String.format("host-%04d", i);
  }

  static String vmName(int i) {
    return String.format("vm-%05d", i);
  }

  private void createFleet() throws Exception {
    long t0 = System.nanoTime();
    StorageRepository repository = new StorageRepository();
    repository.setMetadata(new ObjectMetaBuilder().withName(REPOSITORY).build());
    StorageRepositorySpec rs = new StorageRepositorySpec();
    rs.setType(RepositoryType.Shared);
    rs.setUrl("nfs://filer.bench/vms");
    rs.setMountPath("/var/lib/vmha/repositories/shared");
    repository.setSpec(rs);
    benchClient.resource(repository).create();
    VmTemplate template = new VmTemplate();
    template.setMetadata(
        new ObjectMetaBuilder().withName(TEMPLATE).withNamespace(NAMESPACE).build());
    VmTemplateSpec ts = new VmTemplateSpec();
    ts.setImage(new ImageRef(REPOSITORY, "images/small.qcow2"));
    ts.setCpus(VM_CPUS);
    ts.setMemoryMiB(VM_MEMORY_MIB);
    ts.setHighAvailability(new HighAvailability(true, Priority.Medium));
    template.setSpec(ts);
    benchClient.resource(template).create();

    int cpus = hostCpus();
    int victims = victimsPerCrashedHost();
    parallel(
        options.hosts(),
        i -> {
          VmHost host = new VmHost();
          host.setMetadata(
              new ObjectMetaBuilder()
                  .withName(hostName(i))
                  .addToLabels("vmha.io/rack", "r" + (i % 20))
                  .build());
          VmHostSpec spec = new VmHostSpec();
          boolean toCrash = i < options.fail() && victims > 0;
          int c = toCrash ? victims * VM_CPUS : cpus;
          spec.setCapacity(new Resources(c, c * VM_MEMORY_MIB * 2));
          if (toCrash) {
            spec.setUnschedulable(true); // filled on their own, after the rest of the fleet
          }
          host.setSpec(spec);
          benchClient.resource(host).create();
        });
    int ordinary = ordinaryVms();
    createVms(0, ordinary);
    result.createSeconds = seconds(System.nanoTime() - t0);
    say(
        phased()
            ? String.format(
                "created %d hosts and %d VMs in %.1f s; the %d host(s) to crash stay"
                    + " unschedulable until the others are placed, then get their %d VMs each",
                options.hosts(), ordinary, result.createSeconds, options.fail(), victims)
            : String.format(
                "created %d hosts and %d VMs in %.1f s",
                options.hosts(), options.vms(), result.createSeconds));
  }

  private void createVms(int from, int to) throws Exception {
    parallel(
        to - from,
        i ->
            benchClient
                .resource(vm(NAMESPACE, vmName(from + i), (from + i) % 2 == 0, true))
                .create());
  }

  /**
   * The second phase of a phased fleet: only the hosts to crash are schedulable while their VMs are
   * created and placed, so each gets exactly its share; then every host is schedulable again.
   */
  private void fillHostsToCrash() throws Exception {
    long t0 = System.nanoTime();
    int ordinary = ordinaryVms();
    setUnschedulable(options.fail(), options.hosts(), true);
    setUnschedulable(0, options.fail(), false);
    createVms(ordinary, options.vms());
    await(
        "the hosts to crash are full",
        Duration.ofSeconds(120 + options.vms() / 100),
        () -> running() == options.vms());
    setUnschedulable(options.fail(), options.hosts(), false);
    say(
        String.format(
            "%d VMs placed on the %d host(s) to crash alone, every host schedulable again, in %.1f"
                + " s",
            options.vms() - ordinary, options.fail(), seconds(System.nanoTime() - t0)));
  }

  /** A merge patch of the spec alone: the hosts' status changes all the time, their spec not. */
  private void setUnschedulable(int fromHost, int toHost, boolean unschedulable) throws Exception {
    String patch = "{\"spec\":{\"unschedulable\":" + (unschedulable ? "true" : "null") + "}}";
    parallel(
        toHost - fromHost,
        i ->
            benchClient
                .resources(VmHost.class)
                .withName(hostName(fromHost + i))
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  static VirtualMachine vm(String namespace, String name, boolean fromTemplate, boolean running) {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    if (fromTemplate) {
      spec.setTemplateRef(new TemplateRef(TEMPLATE));
    } else {
      spec.setImage(new ImageRef(REPOSITORY, "images/" + name + ".qcow2"));
      spec.setCpus(VM_CPUS);
      spec.setMemoryMiB(VM_MEMORY_MIB);
      spec.setHighAvailability(new HighAvailability(true, Priority.Medium));
    }
    spec.setRunning(running);
    vm.setSpec(spec);
    return vm;
  }

  /** VMs only the baseline writes to: not running, so nothing places or starts them. */
  private void baselineVms() throws Exception {
    parallel(
        options.baselineThreads(),
        i -> benchClient.resource(vm(BASELINE_NAMESPACE, "baseline-" + i, false, false)).create());
  }

  private void startDatacenter() throws InterruptedException {
    AgentOptions agent = AgentOptions.simulatedFor(settings, LEASES);
    datacenter =
        new SimulatedDatacenter(
                agentClient, SimulationOptions.of(agent).withThreads(options.effectiveSimThreads()))
            .start();
    vmWatch =
        benchClient.resources(VirtualMachine.class).inNamespace(NAMESPACE).runnableInformer(0);
    vmWatch.addEventHandler(AddOrUpdate.<VirtualMachine>handler(this::seen));
    hostWatch = benchClient.resources(VmHost.class).runnableInformer(0);
    hostWatch.addEventHandler(AddOrUpdate.<VmHost>handler(this::seen));
    vmWatch.run();
    hostWatch.run();
    for (int i = 0; i < options.hosts(); i++) {
      datacenter.addHost(hostName(i));
    }
    await(
        "every host's agent reports",
        Duration.ofSeconds(60 + options.hosts() / 10),
        () ->
            hostWatch.getStore().list().stream()
                    .filter(h -> h.getStatus() != null && h.getStatus().getReported() != null)
                    .count()
                == options.hosts());
    say(
        options.hosts()
            + " simulated hosts report ("
            + options.effectiveSimThreads()
            + " agent threads)");
  }

  private void seen(VirtualMachine vm) {
    Victim v = victims.get(vm.getMetadata().getName());
    if (v == null || vm.getStatus() == null) {
      return;
    }
    String host = vm.getStatus().getHost();
    if (host == null || host.equals(v.oldHost)) {
      return;
    }
    long now = System.nanoTime();
    if (v.replaced == 0) {
      v.newHost = host;
      v.replaced = now;
    }
    if (v.running == 0 && "Running".equals(vm.getStatus().getPhase())) {
      v.running = now;
    }
  }

  private void seen(VmHost host) {
    if (host.getStatus() != null && "NotResponding".equals(host.getStatus().getPhase())) {
      notRespondingSeen.putIfAbsent(host.getMetadata().getName(), System.nanoTime());
    }
  }

  private void placeFleet() throws Exception {
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    if (options.operatorHeap() == null) {
      operator =
          new InProcessOperator(
              new VmhaOperator(
                      operatorClient,
                      new OperatorOptions(
                          settings,
                          false,
                          "vmha-operator",
                          LEASES,
                          "vmha-bench-operator",
                          -1,
                          false),
                      api.operatorOverrides())
                  .start(),
              operatorRequests);
    } else {
      operator =
          ChildOperator.start(api.config(), settings, LEASES, options.operatorHeap(), this::say);
      result.operatorProcess = "own JVM, -Xmx" + options.operatorHeap();
    }
    int ordinary = ordinaryVms();
    AtomicInteger last = new AtomicInteger();
    await(
        "every VM is Running",
        Duration.ofSeconds(120 + options.vms() / 20),
        () -> {
          int running = running();
          int step = Math.max(1000, options.vms() / 5);
          if (running / step > last.get() / step) {
            say(
                String.format(
                    "  %d VMs Running after %.1f s", running, seconds(System.nanoTime() - t0)));
          }
          last.set(running);
          return running == ordinary;
        });
    long elapsed = System.nanoTime() - t0;
    result.initialPlacementSeconds = seconds(elapsed);
    result.initialPlacementVmsPerSecond = ordinary / seconds(elapsed);
    result.initialPlacementProcessCpuSeconds = seconds(processCpuNanos() - cpu0);
    say(
        String.format(
            "initial placement: %d VMs Running %.1f s after the operator started (%.0f VMs/s)",
            ordinary, result.initialPlacementSeconds, result.initialPlacementVmsPerSecond));
    if (phased()) {
      fillHostsToCrash();
    }
    await(
        "the baseline VMs are Stopped",
        Duration.ofSeconds(60),
        () -> {
          for (VirtualMachine vm :
              benchClient
                  .resources(VirtualMachine.class)
                  .inNamespace(BASELINE_NAMESPACE)
                  .list()
                  .getItems()) {
            if (vm.getStatus() == null || !"Stopped".equals(vm.getStatus().getPhase())) {
              return false;
            }
          }
          return true;
        });
    Thread.sleep(settings.heartbeatInterval().multipliedBy(3).toMillis()); // let the reports settle
    awaitQuietOperator();
  }

  /** Until the operator's writes (and its queued events) stop: a quiet fleet writes nothing. */
  private void awaitQuietOperator() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
    long quietSince = System.nanoTime();
    long last = writes(operator.requestCounts());
    while (System.nanoTime() < deadline) {
      Thread.sleep(250);
      long now = writes(operator.requestCounts());
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince > Duration.ofSeconds(2).toNanos()) {
        say("the operator is quiet (no write for 2 s)");
        return;
      }
    }
    say("the operator never went quiet for 2 s; measuring anyway");
  }

  private int running() {
    int running = 0;
    for (VirtualMachine vm : vmWatch.getStore().list()) {
      if (vm.getStatus() != null && "Running".equals(vm.getStatus().getPhase())) {
        running++;
      }
    }
    return running;
  }

  // ---- baseline
  // ----------------------------------------------------------------------------------

  /**
   * The API server's raw write throughput for the same kind of request the operator makes: JSON
   * merge patches of VirtualMachine status, from the operator's client, on VMs nothing else writes
   * (a field the operator does not read, so no operator logic runs).
   */
  private void baseline() throws Exception {
    int threads = options.baselineThreads();
    int total = options.baselinePatches();
    AtomicInteger next = new AtomicInteger();
    String stamp = OffsetDateTime.now().toString();
    long t0 = System.nanoTime();
    parallel(
        threads,
        t -> {
          int i;
          while ((i = next.getAndIncrement()) < total) {
            operatorClient
                .resources(VirtualMachine.class)
                .inNamespace(BASELINE_NAMESPACE)
                .withName("baseline-" + t)
                .subresource("status")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"lastMigrationTime\":\"" + stamp + "#" + i + "\"}}");
          }
        });
    long elapsed = System.nanoTime() - t0;
    result.baselinePatches = total;
    result.baselineThreads = threads;
    result.baselineSeconds = seconds(elapsed);
    result.baselinePatchesPerSecond = total / seconds(elapsed);
    say(
        String.format(
            "baseline: %d status merge patches over %d threads in %.2f s = %.0f patches/s",
            total, threads, result.baselineSeconds, result.baselinePatchesPerSecond));
    Thread.sleep(settings.heartbeatInterval().toMillis());
  }

  // ---- failover
  // ----------------------------------------------------------------------------------

  private void failover() throws Exception {
    // the busiest hosts (the enlarged ones, normally) are the ones to crash
    Map<String, Integer> load = new HashMap<>();
    for (VirtualMachine vm : vmWatch.getStore().list()) {
      if (vm.getStatus() != null && vm.getStatus().getHost() != null) {
        load.merge(vm.getStatus().getHost(), 1, Integer::sum);
      }
    }
    List<String> crashed =
        load.entrySet().stream()
            .sorted(
                Map.Entry.<String, Integer>comparingByValue()
                    .reversed()
                    .thenComparing(Map.Entry.comparingByKey()))
            .limit(options.fail())
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    result.hostsJudgedLostBeforeCrash = notRespondingSeen.size();
    notRespondingSeen.clear();
    result.crashedHosts = crashed;
    for (VirtualMachine vm : vmWatch.getStore().list()) {
      if (vm.getStatus() != null && crashed.contains(vm.getStatus().getHost())) {
        victims.put(
            vm.getMetadata().getName(),
            new Victim(vm.getStatus().getHost(), vm.getStatus().getInstanceName()));
      }
    }
    result.vmsOnCrashedHosts = victims.size();
    say("crashing " + crashed + " (" + victims.size() + " VMs): sim.vmha.io/fault=host-crash");
    Map<String, Double> cpuBefore = operator.cpuSeconds();
    OperatorUnderTest.PlanStats plans0 = operator.plans();
    long apiCpu0 = apiServerCpuNanos();
    long cpu0 = processCpuNanos();
    Map<String, Long> requests0 = operator.requestCounts();
    Map<String, Long> agentRequests0 = agentRequests.counts();
    long crashNanos = System.nanoTime();
    Instant crashAt = Instant.now();
    for (String host : crashed) {
      datacenter.annotateFaults(host, EnumSet.of(Fault.HOST_CRASH));
    }
    Duration timeout =
        settings
            .hostGracePeriod()
            .multipliedBy(3)
            .plus(Duration.ofSeconds(60 + victims.size() / 20));
    await(
        "every VM of the crashed hosts runs again elsewhere",
        timeout,
        () -> victims.values().stream().allMatch(v -> v.running != 0));
    long doneNanos = System.nanoTime();
    // The operator judges a host lost hostGracePeriod after it saw the last renewal; the Lease's
    // renewTime is on this process's clock (the simulated agents run here), so the same instant.
    Instant lastRenewal = Instant.EPOCH;
    for (String host : crashed) {
      Lease lease =
          benchClient.leases().inNamespace(LEASES).withName(VmhaApi.hostLeaseName(host)).get();
      Instant renewed = lease.getSpec().getRenewTime().toInstant();
      lastRenewal = renewed.isAfter(lastRenewal) ? renewed : lastRenewal;
    }
    Instant detectedAt = lastRenewal.plus(settings.hostGracePeriod());
    long detectionNanos = crashNanos + Duration.between(crashAt, detectedAt).toNanos();
    result.detectionMs = millis(detectionNanos - crashNanos);
    result.hostNotRespondingSeenMs =
        crashed.stream()
            .map(notRespondingSeen::get)
            .filter(java.util.Objects::nonNull)
            .mapToDouble(t -> millis(t - crashNanos))
            .max()
            .orElse(Double.NaN);

    List<Long> replaced = new ArrayList<>();
    List<Long> running = new ArrayList<>();
    long lastReplaced = 0;
    for (Victim v : victims.values()) {
      if (v.replaced != 0) {
        replaced.add(v.replaced - detectionNanos);
        lastReplaced = Math.max(lastReplaced, v.replaced);
      }
      if (v.running != 0) {
        running.add(v.running - detectionNanos);
      }
    }
    result.vmsReplaced = replaced.size();
    result.vmsRunningAgain = running.size();
    result.replacedAfterDetectionMs = percentiles(replaced);
    result.runningAfterDetectionMs = percentiles(running);
    result.failoverP99Ms =
        result.detectionMs + result.runningAfterDetectionMs.getOrDefault("p99", Double.NaN);
    result.replacementRateVmsPerSecond = replaced.size() / seconds(lastReplaced - detectionNanos);
    result.replacementRateVsBaseline =
        result.replacementRateVmsPerSecond / result.baselinePatchesPerSecond;
    Map<String, Long> requests = operator.requestCounts();
    result.operatorWritesDuringFailover = OperatorUnderTest.writesBetween(requests0, requests);
    result.operatorReadsDuringFailover = OperatorUnderTest.readsBetween(requests0, requests);
    result.operatorWritesPerFailedOverVm =
        (double) writes(result.operatorWritesDuringFailover) / Math.max(1, victims.size());
    result.agentWritesDuringFailover =
        writes(OperatorUnderTest.writesBetween(agentRequests0, agentRequests.counts()));
    result.failoverProcessCpuSeconds = seconds(processCpuNanos() - cpu0);
    result.apiServerCpuSeconds.put("failover", seconds(apiServerCpuNanos() - apiCpu0));
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
    say(
        String.format(
            "detection %.0f ms after the crash (host NotResponding seen at %.0f ms)",
            result.detectionMs, result.hostNotRespondingSeenMs));
    say(
        String.format(
            "after detection: re-placed p50 %.0f / p99 %.0f / max %.0f ms; running p50 %.0f / p99 %.0f / max %.0f ms",
            result.replacedAfterDetectionMs.get("p50"),
            result.replacedAfterDetectionMs.get("p99"),
            result.replacedAfterDetectionMs.get("max"),
            result.runningAfterDetectionMs.get("p50"),
            result.runningAfterDetectionMs.get("p99"),
            result.runningAfterDetectionMs.get("max")));
    say(
        String.format(
            "re-placement rate %.0f VMs/s = %.2f x baseline; operator writes per failed-over VM %.2f %s",
            result.replacementRateVmsPerSecond,
            result.replacementRateVsBaseline,
            result.operatorWritesPerFailedOverVm,
            result.operatorWritesDuringFailover));
    say(
        String.format(
            "all %d VMs running again %.1f s after the crash",
            victims.size(), seconds(doneNanos - crashNanos)));
    Thread.sleep(settings.heartbeatInterval().multipliedBy(2).toMillis());
    verify(crashed);
  }

  /** Correctness, not timing: the CI smoke test asserts these. */
  private void verify(List<String> crashed) {
    List<String> violations = result.violations;
    Map<String, String> instanceOwner = new HashMap<>();
    for (VirtualMachine vm :
        benchClient.resources(VirtualMachine.class).inNamespace(NAMESPACE).list().getItems()) {
      var status = vm.getStatus();
      String name = vm.getMetadata().getName();
      if (status == null || !"Running".equals(status.getPhase())) {
        violations.add(name + " is " + (status == null ? "without status" : status.getPhase()));
        continue;
      }
      if (crashed.contains(status.getHost())) {
        violations.add(name + " is still placed on crashed host " + status.getHost());
      }
      String owner = instanceOwner.put(status.getInstanceName(), name);
      if (owner != null) {
        violations.add(
            "instance name " + status.getInstanceName() + " used by " + owner + " and " + name);
      }
      Victim v = victims.get(name);
      boolean fromTemplate =
          vm.getSpec().getTemplateRef() != null; // a standalone VM's instance keeps its name
      if (v != null
          && fromTemplate
          && v.oldInstance != null
          && v.oldInstance.equals(status.getInstanceName())) {
        violations.add(name + " kept its instance name " + v.oldInstance + " after failover");
      }
    }
    Map<String, String> runsOn = new HashMap<>();
    for (var entry : datacenter.instancesByHost().entrySet()) {
      if (crashed.contains(entry.getKey()) && !entry.getValue().isEmpty()) {
        violations.add(
            "crashed host " + entry.getKey() + " has instances " + entry.getValue().size());
      }
      for (Instance instance : entry.getValue()) {
        if (instance.state() == Instance.State.Running) {
          String other = runsOn.put(instance.name(), entry.getKey());
          if (other != null) {
            violations.add(
                "instance "
                    + instance.name()
                    + " runs on both "
                    + other
                    + " and "
                    + entry.getKey());
          }
        }
      }
    }
    say(
        violations.isEmpty()
            ? "correct: every VM Running, none on a crashed host, instance names unique"
            : "VIOLATIONS: "
                + (violations.size() > 20 ? violations.subList(0, 20) + " ..." : violations));
  }

  // ---- resources
  // ---------------------------------------------------------------------------------

  /** Heap after GC with everything, and again without the operator: the difference is its share. */
  private void resources() {
    double all = heapAfterGcMiB();
    result.processHeapMiBAfterGc = all;
    operator.cpuSeconds().forEach((k, v) -> result.operatorThreadCpuSeconds.put("total " + k, v));
    if (operator instanceof ChildOperator child) {
      result.operatorHeapMiB = child.heapAfterGcMiB();
      result.operatorMaxHeapMiB = child.maxHeapMiB();
      say(
          String.format(
              "heap after GC: the operator's JVM %.0f MiB of its %.0f MiB limit; the bench's %.0f MiB",
              result.operatorHeapMiB, result.operatorMaxHeapMiB, all));
      return;
    }
    operator.close();
    operator = null;
    operatorClient.close();
    double without = heapAfterGcMiB();
    result.operatorHeapMiB = all - without;
    say(
        String.format(
            "heap after GC: %.0f MiB for the whole process, %.0f MiB of it the operator's",
            all, result.operatorHeapMiB));
  }

  private double heapAfterGcMiB() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return memory.getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  private static long writes(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .filter(e -> !e.getKey().startsWith("GET "))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  private long apiServerCpuNanos() {
    long total = 0;
    for (long pid : api.serverPids()) {
      try {
        String[] stat =
            Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ", 2)[1].split(" ");
        total +=
            (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) * 10_000_000L; // USER_HZ = 100
      } catch (Exception e) {
        // not Linux, or gone
      }
    }
    return total;
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  static Map<String, Double> percentiles(List<Long> nanos) {
    Map<String, Double> p = new LinkedHashMap<>();
    if (nanos.isEmpty()) {
      return p;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    p.put("min", millis(sorted.get(0)));
    p.put("p50", millis(sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1)));
    p.put("p90", millis(sorted.get((int) Math.ceil(0.90 * sorted.size()) - 1)));
    p.put("p99", millis(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)));
    p.put("max", millis(sorted.get(sorted.size() - 1)));
    return p;
  }

  private static void parallel(int count, IntConsumer body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> futures = new ArrayList<>();
      int chunk = Math.max(1, count / 64);
      for (int start = 0; start < count; start += chunk) {
        int from = start;
        int to = Math.min(count, start + chunk);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = from; i < to; i++) {
                    body.accept(i);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private void say(String line) {
    out.printf("[%6.1f s] %s%n", seconds(System.nanoTime() - started), line);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e5) / 10.0;
  }

  private void close() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          operator,
          datacenter,
          vmWatch == null ? null : vmWatch::stop,
          hostWatch == null ? null : hostWatch::stop,
          operatorClient,
          agentClient,
          benchClient,
          api
        }) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // shutting down
        }
      }
    }
  }

  /** The benchmark cannot run here (e.g. no kube-apiserver binaries for --api real). */
  public static final class SkipException extends RuntimeException {
    SkipException(String message) {
      super(message);
    }
  }
}
