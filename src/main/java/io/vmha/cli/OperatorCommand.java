package io.vmha.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import io.vmha.kube.ApiRequestCounter;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmha operator}: runs the control plane against the current kubeconfig or the in-cluster
 * service account. Every option also reads an environment variable, which is how the Helm chart
 * sets them.
 */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Run the vmha operator (control plane) against the current cluster.")
public final class OperatorCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "${env:VMHA_HEARTBEAT_INTERVAL:-2s}",
      description = "How often agents renew their heartbeat Lease (default ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(
      names = "--host-grace-period",
      defaultValue = "${env:VMHA_HOST_GRACE_PERIOD:-15s}",
      description =
          "A host not seen renewing for this long is NotResponding (default ${DEFAULT-VALUE}).")
  Duration hostGracePeriod;

  @Option(
      names = "--self-fence-after",
      defaultValue = "${env:VMHA_SELF_FENCE_AFTER:-10s}",
      description =
          "An agent that cannot renew for this long stops its VMs (default ${DEFAULT-VALUE}).")
  Duration selfFenceAfter;

  @Option(
      names = "--max-parallel-migrations-per-host",
      defaultValue = "${env:VMHA_MAX_PARALLEL_MIGRATIONS_PER_HOST:-2}",
      description = "Live migrations in flight per source host (default ${DEFAULT-VALUE}).")
  int maxParallelMigrationsPerHost;

  @Option(
      names = "--max-unhealthy-fraction",
      defaultValue = "${env:VMHA_MAX_UNHEALTHY_FRACTION:-0.5}",
      description =
          "Freeze failover when more than this fraction of hosts is NotResponding (default ${DEFAULT-VALUE}).")
  double maxUnhealthyFraction;

  @Option(
      names = "--max-restarts",
      defaultValue = "${env:VMHA_MAX_RESTARTS:-3}",
      description =
          "Failed starts within the restart window before a VM is Failed (default ${DEFAULT-VALUE}).")
  int maxRestarts;

  @Option(
      names = "--restart-window",
      defaultValue = "${env:VMHA_RESTART_WINDOW:-10m}",
      description = "Window in which failed starts count (default ${DEFAULT-VALUE}).")
  Duration restartWindow;

  @Option(
      names = "--restart-backoff",
      defaultValue = "${env:VMHA_RESTART_BACKOFF:-5s}",
      description =
          "First wait after a failed start; doubles per attempt (default ${DEFAULT-VALUE}).")
  Duration restartBackoff;

  @Option(
      names = "--restart-backoff-max",
      defaultValue = "${env:VMHA_RESTART_BACKOFF_MAX:-80s}",
      description = "Longest wait between start attempts (default ${DEFAULT-VALUE}).")
  Duration restartBackoffMax;

  @Option(
      names = "--fencing",
      defaultValue = "${env:VMHA_FENCING:-SelfFence}",
      description =
          "SelfFence (agents stop their VMs when cut off) or None (default ${DEFAULT-VALUE}).")
  FencingPolicy fencing;

  @Option(
      names = "--reserve-hosts",
      defaultValue = "${env:VMHA_RESERVE_HOSTS:-0}",
      description =
          "Keep capacity to re-place the HA VMs of this many failed hosts (default ${DEFAULT-VALUE}).")
  int reserveHosts;

  @Option(
      names = "--placement-policy",
      defaultValue = "${env:VMHA_PLACEMENT_POLICY:-LeastAllocated}",
      description = "LeastAllocated (spread) or BinPacking (default ${DEFAULT-VALUE}).")
  PlacementPolicy placementPolicy;

  @Option(
      names = "--spm-lease-duration",
      defaultValue = "${env:VMHA_SPM_LEASE_DURATION:-10s}",
      description = "Lifetime of the vmha-spm Lease between renewals (default ${DEFAULT-VALUE}).")
  Duration spmLeaseDuration;

  @Option(
      names = "--power-fenced-grace-period",
      defaultValue = "${env:VMHA_POWER_FENCED_GRACE_PERIOD:-auto}",
      description =
          "A host with spec.powerManagement not seen renewing for this long is judged lost and"
              + " powered off through its BMC; auto (the default): 2 heartbeat intervals + 1s, at"
              + " most the host grace period.")
  String powerFencedGracePeriod;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "${env:VMHA_LEADER_ELECTION:-true}",
      description = "Run only while holding the leader Lease (default ${DEFAULT-VALUE}).")
  boolean leaderElection;

  @Option(
      names = "--lease-namespace",
      defaultValue = "${env:POD_NAMESPACE:-}",
      description =
          "Namespace of the leader, SPM and heartbeat Leases (default: the client's namespace).")
  String leaseNamespace;

  @Option(
      names = "--identity",
      defaultValue = "${env:POD_NAME:-}",
      description = "This replica's identity in the leader Lease (default: the host name).")
  String identity;

  @Option(
      names = "--http-port",
      defaultValue = "${env:VMHA_HTTP_PORT:-8080}",
      description = "Port of /healthz, /readyz and /metrics (default ${DEFAULT-VALUE}).")
  int httpPort;

  Settings settings() {
    return new Settings(
        new Settings.Timings(
            heartbeatInterval,
            hostGracePeriod,
            selfFenceAfter,
            spmLeaseDuration,
            "auto".equals(powerFencedGracePeriod)
                ? Settings.powerFencedGraceFor(heartbeatInterval, hostGracePeriod)
                : DurationConverter.parse(powerFencedGracePeriod)),
        new Settings.Failover(fencing, maxUnhealthyFraction, reserveHosts),
        new Settings.Restarts(maxRestarts, restartWindow, restartBackoff, restartBackoffMax),
        new Settings.Placement(placementPolicy, maxParallelMigrationsPerHost));
  }

  @Override
  public Integer call() throws Exception {
    Settings settings = settings();
    List<String> errors = settings.validate();
    if (!errors.isEmpty()) {
      errors.forEach(e -> spec.commandLine().getErr().println("vmha operator: " + e));
      return 2;
    }
    ApiRequestCounter requests = new ApiRequestCounter();
    KubernetesClientBuilder clientBuilder =
        new KubernetesClientBuilder().withConfig(io.vmha.kube.ApiClients.autoConfigured());
    ApiRequestCounter.install(clientBuilder, requests);
    try (KubernetesClient client = clientBuilder.build()) {
      String namespace = leaseNamespace.isBlank() ? client.getNamespace() : leaseNamespace;
      OperatorOptions options =
          new OperatorOptions(
              settings,
              leaderElection,
              "vmha-operator",
              namespace == null ? "default" : namespace,
              identity.isBlank() ? InetAddress.getLocalHost().getHostName() : identity,
              httpPort,
              true);
      CountDownLatch stopped = new CountDownLatch(1);
      try (VmhaOperator operator = new VmhaOperator(client, options, o -> {})) {
        requests.bindTo(operator.registry());
        // SIGTERM (kubectl delete pod, rolling update) stops reconciling cleanly before exit.
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      operator.close();
                      stopped.countDown();
                    },
                    "vmha-shutdown"));
        operator.start();
        stopped.await();
      }
    }
    return 0;
  }
}
