package io.vmha.core.bench;

import io.vmha.core.Engine;
import io.vmha.core.Plan;
import io.vmha.core.Settings;
import io.vmha.core.model.AgentReport;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.SpmLeaseView;
import io.vmha.core.model.SpmPriority;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmAffinity;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import io.vmha.core.model.VmView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two planner targets on 1,000 hosts and 20,000 VMs: one host with 200 VMs fails (target under
 * 50 ms), and a full re-plan with every VM pending initial placement (under 500 ms); and the plan
 * after a power loss, when every host is back and every VM must start again.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CorePlannerBenchmark {
  static final int HOSTS = 1_000;
  static final int VMS = 20_000;
  static final int ON_FAILED_HOST = 200;
  static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");

  private final Engine engine = new Engine();
  private FleetSnapshot oneHostFailed;
  private FleetSnapshot allPending;
  private FleetSnapshot allPendingWithAffinity;
  private FleetSnapshot backFromPowerLoss;

  @Setup
  public void setUp() {
    oneHostFailed = fleet(true);
    allPending = fleet(false);
    allPendingWithAffinity = fleet(false, true);
    backFromPowerLoss = backFromPowerLoss();
  }

  @Benchmark
  public Plan oneHostWith200VmsFails() {
    return engine.plan(oneHostFailed);
  }

  @Benchmark
  public Plan fullReplanOf20000PendingVms() {
    return engine.plan(allPending);
  }

  /**
   * The full re-plan where a fifth of the VMs have required affinity rules (A1): 500 database
   * groups of 4 kept on distinct hosts, and 2,000 application VMs that must run with their group.
   */
  @Benchmark
  public Plan fullReplanOf20000PendingVmsWithAffinity() {
    return engine.plan(allPendingWithAffinity);
  }

  /**
   * Every host back from a power loss: each renews and reports no instance, while every VM's status
   * still names the host it ran on before. Every VM is restarted; before that the planner asks, of
   * each, whether it landed on another host (a migration that finished after it was called off).
   */
  @Benchmark
  public Plan everyHostBackFromAPowerLoss() {
    return engine.plan(backFromPowerLoss);
  }

  static FleetSnapshot fleet(boolean placed) {
    return fleet(placed, false);
  }

  static FleetSnapshot fleet(boolean placed, boolean withAffinity) {
    return fleet(placed, withAffinity, true);
  }

  static FleetSnapshot backFromPowerLoss() {
    return fleet(true, false, false);
  }

  /** Database group of VM {@code i} (every tenth VM from the fifth): 4 VMs per group. */
  static String group(int i) {
    return "db-" + i / 40;
  }

  static Map<String, String> labels(int i, boolean withAffinity) {
    return withAffinity && i % 10 == 5 ? Map.of("group", group(i)) : Map.of();
  }

  static VmAffinity affinity(int i, boolean withAffinity) {
    if (!withAffinity) {
      return null;
    }
    if (i % 10 == 5) {
      return new VmAffinity(
          List.of(), List.of(), List.of(LabelSelector.of(labels(i, true))), List.of());
    }
    if (i % 10 == 7) {
      return new VmAffinity(
          List.of(LabelSelector.of(Map.of("group", group(i - 2)))),
          List.of(),
          List.of(),
          List.of());
    }
    return null;
  }

  /**
   * @param instancesReported false: every host is fresh and reports no instance (back from a power
   *     loss); true: each reports what its VMs' statuses say, and host0 is silent
   */
  private static FleetSnapshot fleet(
      boolean placed, boolean withAffinity, boolean instancesReported) {
    List<RepositoryView> repositories = List.of(RepositoryView.shared("nfs"));
    TemplateView template =
        new TemplateView(
            "default",
            "sles10template",
            "nfs",
            "sles.qcow2",
            Resources.of(1000, 2048),
            false,
            true,
            Priority.Medium,
            0,
            null,
            null);
    Map<Integer, List<InstanceReport>> instances = new HashMap<>();
    List<VmView> vms = new ArrayList<>(VMS);
    for (int i = 0; i < VMS; i++) {
      String name = "vm" + i;
      int host = i < ON_FAILED_HOST ? 0 : 1 + (i % (HOSTS - 1));
      VmStatusView status = VmStatusView.NEW;
      if (placed) {
        String instance = i % 2 == 0 ? "sles10template-" + (i + 1) : name;
        status =
            new VmStatusView(
                VmPhase.Running,
                "host" + host,
                instance,
                null,
                List.of(),
                List.of(),
                null,
                0,
                "InstanceRunning",
                "instance " + instance + " on host host" + host,
                NOW);
        instances
            .computeIfAbsent(host, h -> new ArrayList<>())
            .add(
                new InstanceReport(
                    instance,
                    "default/" + name,
                    InstanceState.Running,
                    Resources.of(1000, 2048),
                    null));
      }
      Priority priority = Priority.values()[i % 3];
      vms.add(
          new VmView(
                  "default",
                  name,
                  i % 2 == 0 ? "sles10template" : null,
                  i % 2 == 0 ? null : "nfs",
                  "disk",
                  null,
                  i % 2 == 0 ? null : 2048L,
                  true,
                  i % 10 != 0,
                  priority,
                  null,
                  Map.of(),
                  labels(i, withAffinity),
                  affinity(i, withAffinity),
                  null,
                  null,
                  false,
                  null,
                  null,
                  status)
              .withStatus(status));
    }
    List<HostView> hosts = new ArrayList<>(HOSTS);
    for (int h = 0; h < HOSTS; h++) {
      Instant seen =
          placed && h == 0 && instancesReported ? NOW.minusSeconds(20) : NOW.minusSeconds(1);
      AgentReport report =
          new AgentReport(
              true,
              true,
              Set.of("nfs"),
              instancesReported ? instances.getOrDefault(h, List.of()) : List.of(),
              false);
      hosts.add(
          new HostView(
              "host" + h,
              Map.of("rack", "r" + (h % 20)),
              Resources.of(64_000, 262_144),
              false,
              false,
              false,
              SpmPriority.Normal,
              seen,
              report,
              null,
              false,
              true,
              null));
    }
    return new FleetSnapshot(
        NOW,
        Settings.defaults(),
        hosts,
        repositories,
        List.of(template),
        vms,
        new SpmLeaseView("host1", NOW.minusSeconds(1), Settings.defaults().spmLeaseDuration()),
        false);
  }
}
