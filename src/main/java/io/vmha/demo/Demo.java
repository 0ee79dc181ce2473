package io.vmha.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The whole product on one machine: an embedded API server, the operator, a simulated hypervisor
 * fleet with its agents, and the scenarios of the two seed documents played one after the other
 * while the invariants are watched.
 */
public final class Demo implements AutoCloseable {
  static final String LEASES = "vmha-system";

  /**
   * @param realTimings the spec's timings (grace period 15 s); otherwise compressed ones that keep
   *     the spec's proportions (heartbeat 0.5 s, self-fence 1.5 s, grace 4 s)
   */
  public record Options(boolean realTimings, FencingPolicy fencing, PrintStream out) {}

  private final Options options;
  private final PrintStream out;
  private final Settings settings;
  private final DemoReport report = new DemoReport();
  private final java.util.function.Supplier<ApiTarget> apiFactory;
  private ApiTarget api;
  private KubernetesClient client;
  private VmhaOperator operator;
  private SimulatedDatacenter datacenter;
  private Timeline timeline;
  private InvariantMonitor invariants;
  private DemoReport.ScenarioResult scenario;

  public Demo(Options options) {
    this(options, EmbeddedApiServer::start);
  }

  public Demo(Options options, java.util.function.Supplier<ApiTarget> apiFactory) {
    this.apiFactory = apiFactory;
    this.options = options;
    this.out = options.out();
    Settings defaults = Settings.defaults();
    this.settings =
        options.realTimings()
            ? defaults.withFencing(options.fencing())
            // compressed, but with room for a host whose renewals lag its peers' when an API
            // outage ends to renew before it must fence (AgentOptions.outageEndGrace: 1 s here)
            : new Settings(
                new Settings.Timings(
                    Duration.ofMillis(500),
                    Duration.ofMillis(6500),
                    Duration.ofMillis(4000),
                    Duration.ofSeconds(3)),
                new Settings.Failover(
                    options.fencing(), defaults.maxUnhealthyFraction(), defaults.reserveHosts()),
                new Settings.Restarts(
                    defaults.maxRestarts(),
                    defaults.restartWindow(),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(8)),
                defaults.placement());
  }

  public ApiTarget api() {
    return api;
  }

  /** Starts everything and places the example fleet. */
  public Demo start() throws Exception {
    api = apiFactory.get();
    out.println("vmha demo: " + api.describe() + ", the operator, and simulated hosts");
    out.printf(
        "timings: heartbeat %s, self-fence after %s, host grace period %s, fencing %s%n%n",
        seconds(settings.heartbeatInterval()),
        seconds(settings.selfFenceAfter()),
        seconds(settings.hostGracePeriod()),
        settings.fencing());
    client = api.client();
    operator =
        new VmhaOperator(
                client,
                new OperatorOptions(
                    settings, true, "vmha-operator", LEASES, "vmha-demo-operator", -1, false),
                api::adapt)
            .start();
    AgentOptions agent = AgentOptions.simulatedFor(settings, LEASES);
    datacenter =
        new SimulatedDatacenter(client, SimulationOptions.of(agent).withThreads(4))
            .networkPerHost()
            .start();
    timeline = new Timeline(client, out);
    List<HasMetadata> fleet = DemoFleet.load(client);
    DemoFleet.apply(client, fleet);
    DemoFleet.hostNames(fleet).forEach(datacenter::addHost);
    invariants =
        new InvariantMonitor(
            client, datacenter, LEASES, settings.fencing() == FencingPolicy.SelfFence);
    return this;
  }

  /** Plays every scenario; the report says what passed. */
  public DemoReport play() {
    run("The example fleet is placed", "P1, P2, S3", this::initialPlacement);
    run("A host fails: its VMs restart elsewhere from shared storage", "F1, F4", this::hostFailure);
    run("A VM on a local repository waits for its host", "F2", this::localRepository);
    run("The host agent is killed but the guest agent still reports", "F3", this::guestAgentAlive);
    run(
        "A non-SPM host loses storage: pause, then live migration by priority",
        "S1, P4, H4",
        this::storageLoss);
    run(
        "The SPM host loses storage: fencing, and the SPM role moves",
        "S3, S4",
        this::spmStorageLoss);
    run("A host loses its network", "S2", this::networkLoss);
    run("Maintenance drains a host", "H3, H4", this::maintenance);
    run(
        "A host loses the API server and its peers, not its storage: its VMs run once",
        "F4, H1",
        this::isolatedHost);
    run(
        "The API server is unreachable for every agent: nobody is fenced",
        "F4, H5",
        this::apiOutage);
    finish();
    return report;
  }

  // ---- scenarios --------------------------------------------------------------------------------

  private void initialPlacement() {
    expect(
        "every VM is Running",
        detection(),
        () -> allVms().stream().allMatch(vm -> "Running".equals(phase(vm))));
    expect("one host holds the SPM role", detection(), () -> spmHolder() != null);
    check("SPM: " + spmHolder());
    allVms()
        .forEach(
            vm ->
                check(
                    vm.getMetadata().getName()
                        + " runs as "
                        + vm.getStatus().getInstanceName()
                        + " on "
                        + vm.getStatus().getHost()));
  }

  private void hostFailure() {
    VirtualMachine web = vm("web");
    String lost = web.getStatus().getHost();
    String before = web.getStatus().getInstanceName();
    List<VirtualMachine> there = vmsOn(lost);
    fault(lost, Fault.HOST_CRASH);
    expect(
        "web runs again as a new instance of sles10template on another host",
        detection(),
        () -> {
          var status = vm("web").getStatus();
          return "Running".equals(status.getPhase())
              && !lost.equals(status.getHost())
              && !before.equals(status.getInstanceName());
        });
    String after = vm("web").getStatus().getInstanceName();
    check(
        "web: "
            + before
            + " on "
            + lost
            + " became "
            + after
            + " on "
            + vm("web").getStatus().getHost()
            + ", "
            + String.format("%.1f", timeline.elapsedSeconds())
            + " s after the crash");
    expectThat("the new instance takes the template's next number", number(after) > number(before));
    for (VirtualMachine vm : there) {
      String name = vm.getMetadata().getName();
      if (vm.getSpec().getImage() != null
          && vm.getSpec().getImage().getRepository().equals("pacific-local")) {
        continue;
      }
      expect(
          name + " runs on another host",
          detection(),
          () -> "Running".equals(phase(vm(name))) && !lost.equals(vm(name).getStatus().getHost()));
    }
    heal(lost);
    settle();
  }

  private void localRepository() {
    String host = "pacific";
    String instance = vm("build").getStatus().getInstanceName();
    fault(host, Fault.HOST_CRASH);
    expect(
        "build is Pending, WaitingForHost",
        detection(),
        () ->
            "Pending".equals(phase(vm("build")))
                && "WaitingForHost".equals(vm("build").getStatus().getReason()));
    check("build: " + vm("build").getStatus().getMessage());
    heal(host);
    expect(
        "build runs again on pacific, same instance",
        detection(),
        () -> {
          var status = vm("build").getStatus();
          return "Running".equals(status.getPhase())
              && host.equals(status.getHost())
              && instance.equals(status.getInstanceName());
        });
    settle();
  }

  private void guestAgentAlive() {
    String host = vm("monitor").getStatus().getHost();
    String instance = vm("monitor").getStatus().getInstanceName();
    annotate(host, SimulatedDatacenter.WATCHDOG_ANNOTATION, "off");
    timeline.note(
        "kubectl annotate vmhost "
            + host
            + " "
            + SimulatedDatacenter.WATCHDOG_ANNOTATION
            + "=off"
            + "   (the agent process dies; nothing resets the host)");
    fault(host, Fault.AGENT_DOWN);
    expect(host + " is NotResponding", detection(), () -> "NotResponding".equals(hostPhase(host)));
    expect(
        "monitor is left alone: GuestAgentAlive",
        detection(),
        () -> "GuestAgentAlive".equals(vm("monitor").getStatus().getReason()));
    pause(settings.hostGracePeriod());
    var status = vm("monitor").getStatus();
    expectThat(
        "monitor stayed on " + host + " as " + instance,
        host.equals(status.getHost()) && instance.equals(status.getInstanceName()));
    expectThat(
        "monitor still runs there", datacenter.whereRuns(instance).equals(java.util.Set.of(host)));
    heal(host);
    annotate(host, SimulatedDatacenter.WATCHDOG_ANNOTATION, null);
    settle();
  }

  private void storageLoss() {
    String spm = spmHolder();
    String host = busiestHost(h -> !h.equals(spm) && !h.equals("arctic"));
    List<String> moving = sharedVmsOn(host);
    Map<String, Integer> migrations = migrationCounts();
    fault(host, Fault.STORAGE_DOWN);
    expect(
        host + " is NonOperational", detection(), () -> "NonOperational".equals(hostPhase(host)));
    for (String name : moving) {
      String instance = vm(name).getStatus().getInstanceName();
      expect(
          name + " live-migrated off " + host + ", same instance",
          detection(),
          () -> {
            var status = vm(name).getStatus();
            return "Running".equals(status.getPhase())
                && !host.equals(status.getHost())
                && instance.equals(status.getInstanceName())
                && count(status.getMigrationCount()) > migrations.getOrDefault(name, 0);
          });
    }
    heal(host);
    settle();
  }

  private void spmStorageLoss() {
    String spm = spmHolder();
    List<String> moving = sharedVmsOn(spm);
    fault(spm, Fault.STORAGE_DOWN);
    expect(
        spm + " is asked to fence itself",
        detection(),
        () -> {
          var status = host(spm).getStatus();
          return status.getFencing() != null
              && Boolean.TRUE.equals(status.getFencing().getRequested());
        });
    double requested = timeline.elapsedSeconds();
    expect(
        "another host holds the SPM role",
        detection().plus(settings.spmLeaseDuration()),
        () -> spmHolder() != null && !spm.equals(spmHolder()));
    double moved = timeline.elapsedSeconds();
    check(
        "SPM moved from "
            + spm
            + " to "
            + spmHolder()
            + " "
            + String.format("%.1f", moved - requested)
            + " s after fencing was requested (the Lease lasts "
            + seconds(settings.spmLeaseDuration())
            + ")");
    for (String name : moving) {
      expect(
          name + " left " + spm,
          detection(),
          () -> "Running".equals(phase(vm(name))) && !spm.equals(vm(name).getStatus().getHost()));
    }
    heal(spm);
    settle();
  }

  private void networkLoss() {
    String host = busiestHost(h -> !h.equals("arctic"));
    List<String> moving = sharedVmsOn(host);
    fault(host, Fault.NETWORK_DOWN);
    expect(
        host + " is NonOperational", detection(), () -> "NonOperational".equals(hostPhase(host)));
    for (String name : moving) {
      expect(
          name + " live-migrated off " + host,
          detection(),
          () -> "Running".equals(phase(vm(name))) && !host.equals(vm(name).getStatus().getHost()));
    }
    heal(host);
    settle();
  }

  private void maintenance() {
    String host = busiestHost(h -> !h.equals("arctic") && !h.equals("pacific"));
    List<String> moving = vmsOn(host).stream().map(v -> v.getMetadata().getName()).toList();
    timeline.note(
        "kubectl patch vmhost " + host + " --type merge -p '{\"spec\":{\"maintenance\":true}}'");
    editHost(host, true);
    expect(
        host + " is in Maintenance, drained",
        detection(),
        () -> "Maintenance".equals(hostPhase(host)));
    for (String name : moving) {
      expectThat(name + " left " + host, !host.equals(vm(name).getStatus().getHost()));
    }
    timeline.note(
        "kubectl patch vmhost " + host + " --type merge -p '{\"spec\":{\"maintenance\":false}}'");
    editHost(host, false);
    settle();
  }

  /**
   * The split-brain case: the host still reaches its shared storage over its own network, so only
   * fencing keeps its VMs from running twice. No peer can confirm an outage (the invariant monitor
   * checks I1 throughout); under fencing None the operator records the stale instance instead.
   */
  private void isolatedHost() {
    String cut = vm("web").getStatus().getHost();
    // VMs bound to the host by a selector (monitor) have nowhere else to go
    List<String> moving =
        sharedVmsOn(cut).stream()
            .filter(name -> vm(name).getSpec().getHostSelector() == null)
            .toList();
    fault(cut, Fault.ISOLATED);
    boolean selfFence = settings.fencing() == FencingPolicy.SelfFence;
    if (selfFence) {
      expect(
          cut + " fenced itself: no peer confirmed an outage",
          detection(),
          () -> datacenter.driver(cut).instances().isEmpty());
    }
    for (String name : moving) {
      expect(
          name + " runs on another host",
          detection(),
          () -> "Running".equals(phase(vm(name))) && !cut.equals(vm(name).getStatus().getHost()));
      if (!selfFence) {
        var stale = vm(name).getStatus().getStaleInstances();
        expectThat(
            name + ": the instance left on " + cut + " is recorded as stale",
            stale != null && stale.stream().anyMatch(s -> cut.equals(s.getHost())));
      }
    }
    check(
        moving.size()
            + " VM(s) of "
            + cut
            + " re-placed, "
            + String.format("%.1f", timeline.elapsedSeconds())
            + " s after it was cut off");
    heal(cut);
    settle();
  }

  private void apiOutage() {
    Map<String, String> before = placements();
    Map<String, Integer> resets = new HashMap<>();
    datacenter.hosts().forEach(h -> resets.put(h, datacenter.watchdogResets(h)));
    Map<String, io.vmha.agent.HostAgent> agents = new HashMap<>();
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
    expect("failover is frozen", detection(), () -> operatorFrozen());
    pause(settings.hostGracePeriod().plus(settings.selfFenceAfter()));
    expectThat("no VM moved", before.equals(placements()));
    expectThat(
        "no host fenced itself",
        datacenter.hosts().stream()
            .allMatch(
                h ->
                    datacenter.watchdogResets(h) == resets.get(h)
                        && datacenter.driver(h).instances().stream()
                            .allMatch(i -> i.state() != Instance.State.Stopped)));
    datacenter.hosts().forEach(h -> datacenter.annotateFaults(h, EnumSet.noneOf(Fault.class)));
    timeline.note("the API server is back for everyone");
    settle();
    expectThat("every VM is where it was", before.equals(placements()));
    expectThat(
        "no host fenced itself when the outage ended, though some renewed later than others",
        datacenter.hosts().stream()
            .allMatch(
                h ->
                    datacenter.agent(h) == agents.get(h)
                        && datacenter.agent(h).fences() == fences.get(h)));
  }

  // ---- steps and checks -------------------------------------------------------------------------

  private void run(String name, String rules, Runnable body) {
    scenario = new DemoReport.ScenarioResult();
    scenario.name = name;
    scenario.rules = rules;
    report.scenarios.add(scenario);
    out.printf("%n== %s (%s)%n", name, rules);
    timeline.startScenario(scenario);
    long start = System.nanoTime();
    try {
      body.run();
    } catch (RuntimeException e) {
      scenario.failures.add("error: " + e);
    }
    scenario.seconds = Math.round((System.nanoTime() - start) / 1e8) / 10.0;
    scenario.passed = scenario.failures.isEmpty();
    out.printf(
        "   %s in %.1f s%n",
        scenario.passed ? "PASSED" : "FAILED: " + scenario.failures, scenario.seconds);
  }

  private void expect(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          check(what);
          return;
        }
      } catch (RuntimeException e) {
        // not there yet (an object without status, say)
      }
      pause(Duration.ofMillis(100));
    }
    fail(what + " (not within " + seconds(timeout) + ")");
  }

  private void expectThat(String what, boolean holds) {
    if (holds) {
      check(what);
    } else {
      fail(what);
    }
  }

  private void check(String what) {
    scenario.checks.add(what);
    timeline.note("ok: " + what);
  }

  private void fail(String what) {
    scenario.failures.add(what);
    timeline.note("FAILED: " + what);
  }

  /** Everything healthy again: every host up (or in maintenance), every VM Running (I2). */
  private void settle() {
    expect(
        "the fleet settles: hosts Up, every VM Running",
        detection().multipliedBy(2),
        () ->
            allHosts().stream().allMatch(h -> "Up".equals(hostPhase(h.getMetadata().getName())))
                && allVms().stream().allMatch(vm -> "Running".equals(phase(vm))));
  }

  private void fault(String host, Fault fault) {
    timeline.note("kubectl annotate vmhost " + host + " " + Fault.ANNOTATION + "=" + fault.value());
    datacenter.annotateFaults(host, EnumSet.of(fault));
  }

  private void heal(String host) {
    timeline.note("kubectl annotate vmhost " + host + " " + Fault.ANNOTATION + "-");
    datacenter.annotateFaults(host, EnumSet.noneOf(Fault.class));
  }

  private void annotate(String host, String key, String value) {
    io.vmha.kube.Conflicts.retry(
        () ->
            client
                .resources(VmHost.class)
                .withName(host)
                .edit(
                    h -> {
                      if (value == null) {
                        if (h.getMetadata().getAnnotations() != null) {
                          h.getMetadata().getAnnotations().remove(key);
                        }
                      } else {
                        if (h.getMetadata().getAnnotations() == null) {
                          h.getMetadata().setAnnotations(new HashMap<>());
                        }
                        h.getMetadata().getAnnotations().put(key, value);
                      }
                      return h;
                    }));
  }

  private void editHost(String host, boolean maintenance) {
    io.vmha.kube.Conflicts.retry(
        () ->
            client
                .resources(VmHost.class)
                .withName(host)
                .edit(
                    h -> {
                      h.getSpec().setMaintenance(maintenance);
                      return h;
                    }));
  }

  private void finish() {
    out.printf("%n== Final state%n");
    out.printf(
        "%-10s %-16s %-5s %-4s %-10s %-14s%n", "HOST", "PHASE", "SPM", "VMS", "CPU", "MEMORY-MiB");
    for (VmHost host : allHosts()) {
      var status = host.getStatus();
      var spec = host.getSpec();
      String line =
          String.format(
              "%-10s %-16s %-5s %-4s %-10s %-14s",
              host.getMetadata().getName(),
              status.getPhase(),
              Boolean.TRUE.equals(status.getSpm()) ? "yes" : "",
              status.getVmCount(),
              status.getAllocated().getCpus() + "/" + spec.getCapacity().getCpus(),
              status.getAllocated().getMemoryMiB() + "/" + spec.getCapacity().getMemoryMiB());
      out.println(line);
      report.finalHosts.add(line.trim());
    }
    out.println();
    out.printf(
        "%-9s %-9s %-9s %-20s %-10s %-11s%n",
        "VM", "PHASE", "HOST", "INSTANCE", "FAILOVERS", "MIGRATIONS");
    for (VirtualMachine vm : allVms()) {
      var status = vm.getStatus();
      String line =
          String.format(
              "%-9s %-9s %-9s %-20s %-10d %-11d",
              vm.getMetadata().getName(),
              status.getPhase(),
              status.getHost(),
              status.getInstanceName(),
              count(status.getFailoverCount()),
              count(status.getMigrationCount()));
      out.println(line);
      report.finalVms.add(line.trim());
    }
    report.invariantViolations.addAll(invariants.violations());
    out.printf(
        "%ninvariants I1-I5: %s (%d checks)%n",
        report.invariantViolations.isEmpty()
            ? "held throughout"
            : "BROKEN " + report.invariantViolations,
        invariants.checks());
    long passed = report.scenarios.stream().filter(s -> s.passed).count();
    out.printf("scenarios: %d of %d passed%n", passed, report.scenarios.size());
  }

  // ---- reading the fleet ------------------------------------------------------------------------

  private Duration detection() {
    return settings.hostGracePeriod().multipliedBy(3).plus(Duration.ofSeconds(10));
  }

  private VirtualMachine vm(String name) {
    return client
        .resources(VirtualMachine.class)
        .inNamespace(DemoFleet.NAMESPACE)
        .withName(name)
        .get();
  }

  private VmHost host(String name) {
    return client.resources(VmHost.class).withName(name).get();
  }

  private List<VirtualMachine> allVms() {
    List<VirtualMachine> vms =
        new ArrayList<>(
            client
                .resources(VirtualMachine.class)
                .inNamespace(DemoFleet.NAMESPACE)
                .list()
                .getItems());
    vms.sort(Comparator.comparing(v -> v.getMetadata().getName()));
    return vms;
  }

  private List<VmHost> allHosts() {
    List<VmHost> hosts = new ArrayList<>(client.resources(VmHost.class).list().getItems());
    hosts.sort(Comparator.comparing(h -> h.getMetadata().getName()));
    return hosts;
  }

  private List<VirtualMachine> vmsOn(String host) {
    return allVms().stream()
        .filter(vm -> vm.getStatus() != null && host.equals(vm.getStatus().getHost()))
        .toList();
  }

  private List<String> sharedVmsOn(String host) {
    return vmsOn(host).stream()
        .filter(
            vm ->
                vm.getSpec().getImage() == null
                    || !vm.getSpec().getImage().getRepository().equals("pacific-local"))
        .map(vm -> vm.getMetadata().getName())
        .toList();
  }

  private String busiestHost(java.util.function.Predicate<String> allowed) {
    return allHosts().stream()
        .map(h -> h.getMetadata().getName())
        .filter(allowed)
        .max(
            Comparator.<String>comparingInt(h -> sharedVmsOn(h).size())
                .thenComparing(Comparator.reverseOrder()))
        .orElseThrow();
  }

  private Map<String, String> placements() {
    Map<String, String> placements = new HashMap<>();
    allVms()
        .forEach(
            vm ->
                placements.put(
                    vm.getMetadata().getName(),
                    vm.getStatus().getHost() + "/" + vm.getStatus().getInstanceName()));
    return placements;
  }

  private Map<String, Integer> migrationCounts() {
    Map<String, Integer> counts = new HashMap<>();
    allVms()
        .forEach(
            vm ->
                counts.put(vm.getMetadata().getName(), count(vm.getStatus().getMigrationCount())));
    return counts;
  }

  private boolean operatorFrozen() {
    return allHosts().stream()
        .anyMatch(
            h ->
                h.getStatus() != null
                    && h.getStatus().getConditions() != null
                    && h.getStatus().getConditions().stream()
                        .anyMatch(
                            c ->
                                "FailoverFrozen".equals(c.getType())
                                    && "True".equals(c.getStatus())));
  }

  private String spmHolder() {
    Lease lease = client.leases().inNamespace(LEASES).withName(VmhaApi.SPM_LEASE).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private String hostPhase(String host) {
    VmHost h = host(host);
    return h == null || h.getStatus() == null ? null : h.getStatus().getPhase();
  }

  private static String phase(VirtualMachine vm) {
    return vm == null || vm.getStatus() == null ? null : vm.getStatus().getPhase();
  }

  private static long number(String instance) {
    return Long.parseLong(instance.substring(instance.lastIndexOf('-') + 1));
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : (d.toMillis() / 1000.0) + "s";
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {invariants, timeline, datacenter, operator, api}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // shutting down anyway
        }
      }
    }
  }
}
