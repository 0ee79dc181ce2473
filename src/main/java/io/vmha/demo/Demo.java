package io.vmha.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.AgentOptions;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import io.vmha.testbed.LibvirtHosts;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole product on one machine: an embedded API server, the operator, a simulated hypervisor
 * fleet with its agents, and the scenarios of the two seed documents played one after the other
 * while the invariants are watched.
 *
 * <p>This class sets all of that up and plays the scenarios: it times each one, records its outcome
 * in the {@link DemoReport} and prints the final state and the invariants' verdict. What a scenario
 * does and checks is in its own class (a {@link Scenario}), in the words of {@link Steps}.
 */
public final class Demo implements AutoCloseable {
  static final String LEASES = io.vmha.api.VmhaApi.SYSTEM_NAMESPACE;

  /**
   * @param realTimings the spec's timings (grace period 15 s); otherwise compressed ones that keep
   *     the spec's proportions (heartbeat 0.5 s, self-fence 1.5 s, grace 4 s)
   */
  public record Options(
      boolean realTimings, FencingPolicy fencing, PrintStream out, Hypervisor hypervisor) {
    public Options(boolean realTimings, FencingPolicy fencing, PrintStream out) {
      this(realTimings, fencing, out, Hypervisor.SIMULATED);
    }
  }

  /** What the hosts are: simulated in this process, or real libvirt daemons and QEMU guests. */
  public enum Hypervisor {
    SIMULATED,
    /**
     * The hosts {@code hack/libvirt-hosts.sh up} prepared, a {@code vmha agent --driver libvirt}
     * process each; always the spec's timings, which the agents run by default.
     */
    LIBVIRT
  }

  /** The hosts of the example fleet on the libvirt test hosts, in the order of examples/. */
  static final List<String> ON_LIBVIRT = List.of("atlantic", "pacific", "indian");

  private final Options options;
  private final PrintStream out;
  private final Settings settings;
  private final DemoReport report = new DemoReport();
  private final java.util.function.Supplier<ApiTarget> apiFactory;
  private ApiTarget api;
  private KubernetesClient client;
  private VmhaOperator operator;
  private DemoHosts hosts;
  private Timeline timeline;
  private InvariantMonitor invariants;
  private Steps steps;
  private boolean closed;

  public Demo(Options options) {
    this(options, EmbeddedApiServer::start);
  }

  public Demo(Options options, java.util.function.Supplier<ApiTarget> apiFactory) {
    this.apiFactory = apiFactory;
    this.options = options;
    this.out = options.out();
    Settings defaults = Settings.defaults();
    this.settings =
        options.realTimings() || options.hypervisor() == Hypervisor.LIBVIRT
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
    LibvirtHosts lab = options.hypervisor() == Hypervisor.LIBVIRT ? libvirtHosts() : null;
    api = apiFactory.get();
    List<HasMetadata> fleet = DemoFleet.load(api.client());
    Map<String, String> labHostOf = new LinkedHashMap<>();
    if (lab != null) {
      List<String> labHosts = List.copyOf(lab.hosts.keySet());
      for (int i = 0; i < ON_LIBVIRT.size(); i++) {
        labHostOf.put(ON_LIBVIRT.get(i), labHosts.get(i));
      }
      fleet = DemoFleet.onLibvirt(fleet, lab, labHostOf);
    }
    client = api.client();
    AgentOptions agent = AgentOptions.simulatedFor(settings, LEASES);
    if (lab == null) {
      hosts = new SimulatedHosts(client, agent);
    } else {
      LibvirtDemoHosts libvirt =
          new LibvirtDemoHosts(lab, api.writeKubeconfig(kubeconfigFile()), LEASES, labHostOf);
      libvirt.forget(DemoFleet.NAMESPACE);
      hosts = libvirt;
    }
    out.println("vmha demo: " + api.describe() + ", the operator, and " + hosts.describe());
    out.printf(
        "timings: heartbeat %s, self-fence after %s, host grace period %s, fencing %s%n%n",
        Steps.seconds(settings.heartbeatInterval()),
        Steps.seconds(settings.selfFenceAfter()),
        Steps.seconds(settings.hostGracePeriod()),
        settings.fencing());
    operator =
        new VmhaOperator(
                client,
                new OperatorOptions(
                    settings, true, "vmha-operator", LEASES, "vmha-demo-operator", -1, false),
                api::adapt)
            .start();
    timeline = new Timeline(client, out);
    DemoFleet.apply(client, fleet);
    DemoFleet.hostNames(fleet).forEach(hosts::add);
    invariants =
        new InvariantMonitor(
            client,
            hosts,
            LEASES,
            settings.fencing(),
            lab == null
                ? InvariantMonitor.Judging.SIMULATED
                : InvariantMonitor.Judging.REAL_HYPERVISORS,
            timeline::note);
    steps = new Steps(client, settings, hosts, timeline);
    return this;
  }

  /** Plays every scenario; the report says what passed. */
  public DemoReport play() {
    // in the order of the seed documents; each scenario leaves the fleet settled for the next
    List<Scenario> scenarios =
        List.of(
            new InitialPlacementScenario(steps),
            new HostCrashScenario(steps),
            new OrchestratedRestartScenario(steps),
            new LocalRepositoryScenario(steps),
            new HostAgentKilledScenario(steps),
            new GuestHangScenario(steps),
            new StorageLossScenario(steps),
            new SpmStorageLossScenario(steps),
            new StorageErrorKillScenario(steps),
            new NetworkLossScenario(steps),
            new MaintenanceScenario(steps),
            new AntiAffinityScenario(steps, client),
            new IsolatedHostScenario(steps),
            new PowerFencingScenario(steps, client),
            new ApiOutageScenario(steps));
    scenarios.forEach(this::run);
    finish();
    return report;
  }

  private void run(Scenario played) {
    DemoReport.ScenarioResult scenario = new DemoReport.ScenarioResult();
    scenario.name = played.name;
    scenario.rules = played.rules;
    report.scenarios.add(scenario);
    out.printf("%n== %s (%s)%n", played.name, played.rules);
    var cannot = played.cannotPlay();
    if (cannot.isPresent()) {
      scenario.notPlayed = cannot.get();
      scenario.passed = true;
      out.printf("   not played on %s: %s%n", hosts.describe(), scenario.notPlayed);
      return;
    }
    steps.recordInto(scenario);
    timeline.startScenario(scenario);
    long start = System.nanoTime();
    try {
      played.play();
    } catch (RuntimeException e) {
      scenario.failures.add("error: " + e);
    }
    scenario.seconds = Math.round((System.nanoTime() - start) / 1e8) / 10.0;
    scenario.passed = scenario.failures.isEmpty();
    out.printf(
        "   %s in %.1f s%n",
        scenario.passed ? "PASSED" : "FAILED: " + scenario.failures, scenario.seconds);
  }

  private void finish() {
    out.printf("%n== Final state%n");
    out.printf(
        "%-10s %-16s %-5s %-4s %-10s %-14s%n", "HOST", "PHASE", "SPM", "VMS", "CPU", "MEMORY-MiB");
    for (VmHost host : steps.fleet.allHosts()) {
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
    for (VirtualMachine vm : steps.fleet.allVms()) {
      var status = vm.getStatus();
      String line =
          String.format(
              "%-9s %-9s %-9s %-20s %-10d %-11d",
              vm.getMetadata().getName(),
              status.getPhase(),
              status.getHost(),
              status.getInstanceName(),
              FleetView.count(status.getFailoverCount()),
              FleetView.count(status.getMigrationCount()));
      out.println(line);
      report.finalVms.add(line.trim());
    }
    report.invariantViolations.addAll(invariants.violations());
    out.printf(
        "%ninvariants I1-I6: %s (%d checks)%n",
        report.invariantViolations.isEmpty()
            ? "held throughout"
            : "BROKEN " + report.invariantViolations,
        invariants.checks());
    long played = report.scenarios.stream().filter(s -> s.notPlayed == null).count();
    long passed = report.scenarios.stream().filter(s -> s.passed && s.notPlayed == null).count();
    out.printf(
        "scenarios: %d of %d passed%s%n",
        passed,
        played,
        played == report.scenarios.size()
            ? ""
            : " (" + (report.scenarios.size() - played) + " not played on these hosts)");
  }

  private static LibvirtHosts libvirtHosts() throws java.io.IOException {
    String hint = LibvirtHosts.hint(ON_LIBVIRT.size());
    LibvirtHosts lab =
        LibvirtHosts.prepared()
            .orElseThrow(() -> new NotPrepared("no libvirt test hosts here; " + hint));
    if (lab.hosts.size() < ON_LIBVIRT.size()) {
      throw new NotPrepared(
          lab.hosts.size() + " libvirt test hosts, " + ON_LIBVIRT.size() + " needed; " + hint);
    }
    if (!LibvirtHosts.allAnswer()) {
      throw new NotPrepared("a libvirt test host does not answer (crashed?); " + hint);
    }
    return lab;
  }

  /** The hosts the demo needs are not there; the message says what to run. */
  public static final class NotPrepared extends IllegalStateException {
    NotPrepared(String message) {
      super(message);
    }
  }

  private static java.nio.file.Path kubeconfigFile() throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("vmha-demo-agents", ".kubeconfig");
    file.toFile().deleteOnExit();
    return file;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (AutoCloseable c : new AutoCloseable[] {invariants, timeline, hosts, operator, api}) {
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
