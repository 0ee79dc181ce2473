package io.vmha.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One benchmark run.
 *
 * @param hosts simulated hypervisor hosts
 * @param vms virtual machines (all highly available, 1 CPU / 1 GiB; half from a template)
 * @param fail hosts crashed at once
 * @param failedHostVms how many VMs each crashed host carries: it has room for exactly that many
 *     and is filled first, while the other hosts are unschedulable; 0 for a host like the others
 * @param api {@code embedded} or {@code real}
 * @param k8sBinaries where etcd and kube-apiserver are, for {@code real}
 * @param heartbeat agents' heartbeat interval
 * @param selfFence self-fence delay
 * @param grace host grace period (H1: at least selfFence + heartbeat + 2 s)
 * @param baselinePatches raw status patches of the baseline
 * @param baselineThreads threads sending them
 * @param simThreads threads shared by the simulated agents
 * @param json where to write the result, or null
 * @param operatorHeap null to run the operator in the bench's JVM; else a heap limit such as {@code
 *     512m} to run {@code vmha operator} alone in a JVM of its own (with {@code --api real})
 * @param powerFencing every host gets a BMC
 * @param scenario what is measured after the cold start and the baseline: {@link Scenario}
 * @param outage how long every host stays down in {@link Scenario#POWER_LOSS}
 * @param identities who the operator and the agents are to the API server; null for the default of
 *     the API ({@link #effectiveIdentities})
 * @param chart the Helm chart installed for {@link Identities#CHART}
 */
public record BenchOptions(
    int hosts,
    int vms,
    int fail,
    int failedHostVms,
    String api,
    Path k8sBinaries,
    Duration heartbeat,
    Duration selfFence,
    Duration grace,
    int baselinePatches,
    int baselineThreads,
    int simThreads,
    Path json,
    String operatorHeap,
    boolean powerFencing,
    Scenario scenario,
    Duration outage,
    Identities identities,
    Path chart,
    List<String> chartValues) {

  /** Who the operator and the simulated agents are to the API server. */
  public enum Identities {
    /**
     * The chart installed, the operator as its ServiceAccount, each host's agent as its own ({@code
     * vmha-host-NAME}): RBAC, admission policies and API Priority and Fairness apply.
     */
    CHART("chart"),
    /** Everyone is the admin (system:masters): exempt from API Priority and Fairness. */
    ADMIN("admin");

    private final String flag;

    Identities(String flag) {
      this.flag = flag;
    }

    public String flag() {
      return flag;
    }

    public static Identities of(String flag) {
      for (Identities i : values()) {
        if (i.flag.equals(flag)) {
          return i;
        }
      }
      throw new IllegalArgumentException("--identities must be chart or admin, not " + flag);
    }
  }

  /** The chart's on a real API server; the mock has no RBAC or priority and fairness to apply. */
  Identities effectiveIdentities() {
    if (identities != null) {
      return identities;
    }
    return "real".equals(api) ? Identities.CHART : Identities.ADMIN;
  }

  /**
   * What a run measures once the fleet is placed (always timed: the cold start) and the baseline.
   */
  public enum Scenario {
    /** {@code --fail} hosts crash; their VMs are timed to running elsewhere. */
    FAILOVER("failover"),
    /** Nothing more: every VM created, then the operator started, until all run. */
    COLD_START("cold-start"),
    /** Every host crashes at once and comes back after the outage; all VMs must run again. */
    POWER_LOSS("power-loss");

    private final String flag;

    Scenario(String flag) {
      this.flag = flag;
    }

    public String flag() {
      return flag;
    }

    public static Scenario of(String flag) {
      for (Scenario s : values()) {
        if (s.flag.equals(flag)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "--scenario must be failover, cold-start or power-loss, not " + flag);
    }
  }

  /** The chart in the repository, from its root. */
  public static final String DEFAULT_CHART = "helm/vmha";

  /**
   * Where hack/build-k8s-binaries.sh puts the default Kubernetes version's binaries, from the home
   * directory.
   */
  public static final String DEFAULT_K8S_BINARIES = ".kubeapitest/k8s/1.36.3-linux-amd64";

  public static BenchOptions small(int hosts, int vms) {
    return new BenchOptions(
        hosts,
        vms,
        1,
        0,
        "embedded",
        Path.of(RealApiServer.DEFAULT_DIR),
        Duration.ofSeconds(1),
        Duration.ofSeconds(3),
        Duration.ofSeconds(6),
        2000,
        16,
        0,
        null,
        null,
        false,
        Scenario.FAILOVER,
        Duration.ofSeconds(10),
        null,
        Path.of(DEFAULT_CHART),
        List.of());
  }

  /**
   * A real agent has a process of its own; simulated ones share a pool, and an agent waiting for a
   * slow API server holds a thread. With too few threads, heartbeats of idle agents queue behind
   * the reports of busy ones exactly when the API server is loaded, and healthy hosts look silent:
   * one thread per four hosts (at most 64: more threads load a saturated API server further and
   * starve the heartbeats again) keeps that out of the measurement.
   */
  int effectiveSimThreads() {
    return simThreads > 0 ? simThreads : Math.max(4, Math.min(64, hosts / 4));
  }
}
