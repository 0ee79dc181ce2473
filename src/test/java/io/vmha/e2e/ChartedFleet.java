package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import io.vmha.testbed.AgentProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real API server with the Helm chart installed, the operator running in this JVM as the chart's
 * operator ServiceAccount, and real {@code vmha agent --driver simulated} processes, each with the
 * kubeconfig {@code vmha host-credentials} printed for its host. Nothing runs with admin rights but
 * the test's own setup (what a cluster admin or GitOps tool applies).
 */
final class ChartedFleet implements AutoCloseable {
  static final String NAMESPACE = "vmha-system";
  static final String RELEASE = "vmha";
  static final String OPERATOR_SA = "vmha-operator";
  static final String IDENTITY = "vmha-operator-e2e";

  /**
   * The spec's timings shrunk about threefold (H1: grace >= self-fence + heartbeat + 2s), slow
   * enough for agents in JVMs of their own on a busy machine.
   */
  static final Settings FAST =
      new Settings(
          new Settings.Timings(
              Duration.ofMillis(500),
              Duration.ofMillis(5000),
              Duration.ofMillis(2500),
              Duration.ofMillis(3000)),
          new Settings.Failover(FencingPolicy.SelfFence, 0.5, 0),
          new Settings.Restarts(
              3, Duration.ofMinutes(10), Duration.ofMillis(500), Duration.ofSeconds(4)),
          new Settings.Placement(PlacementPolicy.LeastAllocated, 2));

  final RealApiServer api;
  final KubernetesClient operatorClient;
  final VmhaOperator operator;
  private final Path dir;
  private final String peerSecret = "charted-peer-secret-" + Long.toHexString(System.nanoTime());
  private final Map<String, AgentProcess> agents = new LinkedHashMap<>();
  private final Map<String, KubernetesClient> hostClients = new HashMap<>();

  private ChartedFleet(
      RealApiServer api, KubernetesClient operatorClient, VmhaOperator operator, Path dir) {
    this.api = api;
    this.operatorClient = operatorClient;
    this.operator = operator;
    this.dir = dir;
  }

  static ChartedFleet install() throws Exception {
    return install(List.of());
  }

  /** The chart installed with these {@code --set} values. */
  static ChartedFleet install(List<String> values) throws Exception {
    Tools.assumeHelm();
    RealApiServer api = RealApiServer.start();
    try {
      // No --wait: there is no kubelet, so the Deployment's pods never run; everything else is
      // real.
      List<String> helm =
          new java.util.ArrayList<>(
              List.of(
                  "install",
                  RELEASE,
                  Tools.CHART.toString(),
                  "--namespace",
                  NAMESPACE,
                  "--create-namespace"));
      for (String value : values) {
        helm.addAll(List.of("--set", value));
      }
      api.helm(helm.toArray(String[]::new)).orFail(List.of("helm install"));
      for (String crd :
          List.of("vmhosts", "storagerepositories", "vmtemplates", "virtualmachines")) {
        api.admin()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd + ".vmha.io")
            .waitUntilCondition(
                c ->
                    c != null
                        && c.getStatus() != null
                        && c.getStatus().getConditions().stream()
                            .anyMatch(
                                cond ->
                                    "Established".equals(cond.getType())
                                        && "True".equals(cond.getStatus())),
                30,
                TimeUnit.SECONDS);
      }
      // with the finalizer policy, new VMs are refused for a few seconds after the CRDs appear
      io.vmha.kube.VmAdmission.awaitReady(api.admin(), "default", Duration.ofSeconds(60));
      KubernetesClient operatorClient = api.clientAs(NAMESPACE, OPERATOR_SA);
      // The in-process twin of the chart's Deployment: what POD_NAME/POD_NAMESPACE and the VMHA_*
      // variables give the container, with SSA on as JOSDK's default (a real server has it).
      OperatorOptions options =
          new OperatorOptions(FAST, true, "vmha-operator", NAMESPACE, IDENTITY, 0, false);
      VmhaOperator operator = new VmhaOperator(operatorClient, options, o -> {}).start();
      return new ChartedFleet(
          api, operatorClient, operator, Files.createTempDirectory("vmha-charted-fleet"));
    } catch (Exception | Error e) {
      api.close();
      throw e;
    }
  }

  /**
   * The kubeconfig {@code vmha host-credentials --host HOST} prints, run as a cluster admin runs
   * it: in a JVM of its own, with the admin's kubeconfig. Run again, it rotates the token.
   */
  Path hostCredentials(String host, String... more) throws IOException {
    List<String> command = io.vmha.cli.VmhaCommand.inNewJvm("-XX:TieredStopAtLevel=1");
    command.addAll(List.of("host-credentials", "--host=" + host, "--namespace=" + NAMESPACE));
    command.addAll(List.of(more));
    Tools.Result result =
        Tools.run(
            command, Map.of("KUBECONFIG", api.kubeconfig().toString()), Duration.ofMinutes(1));
    result.orFail(command);
    Path kubeconfig = dir.resolve(host + ".host.kubeconfig");
    Files.writeString(kubeconfig, result.stdout());
    return kubeconfig;
  }

  /** A client with host {@code host}'s own credentials (issued once, then reused). */
  synchronized KubernetesClient hostClient(String host) throws IOException {
    KubernetesClient client = hostClients.get(host);
    if (client == null) {
      client = clientFor(hostCredentials(host));
      hostClients.put(host, client);
    }
    return client;
  }

  /** A client with the credentials of a kubeconfig file. */
  static KubernetesClient clientFor(Path kubeconfig) throws IOException {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
        .build();
  }

  /**
   * Starts the real agent of {@code host} (simulated hypervisor, the fleet's timings) with the
   * kubeconfig {@code host-credentials} gave it; once per host.
   */
  synchronized AgentProcess agent(String host) throws IOException {
    AgentProcess running = agents.get(host);
    if (running != null) {
      return running;
    }
    AgentProcess agent =
        AgentProcess.start(
            host,
            hostCredentials(host),
            NAMESPACE,
            peerSecret,
            dir,
            false,
            List.of(
                "--heartbeat-interval=" + FAST.heartbeatInterval().toMillis() + "ms",
                "--self-fence-after=" + FAST.selfFenceAfter().toMillis() + "ms",
                "--host-grace-period=" + FAST.hostGracePeriod().toMillis() + "ms"));
    agents.put(host, agent);
    return agent;
  }

  /** Creates or replaces objects as their admin (a user with kubectl, or a GitOps tool) would. */
  void apply(String namespace, String yaml) {
    for (HasMetadata object : parse(yaml)) {
      if (namespace != null && object.getMetadata().getNamespace() == null && namespaced(object)) {
        object.getMetadata().setNamespace(namespace);
      }
      api.admin().resource(object).createOr(r -> r.update());
    }
  }

  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.isBlank()) {
        objects.add(Serialization.unmarshal(document, GenericKubernetesResource.class));
      }
    }
    return objects;
  }

  private static boolean namespaced(HasMetadata object) {
    return !List.of("VmHost", "StorageRepository", "Namespace").contains(object.getKind());
  }

  /** Every agent runs and was never refused by the API server under its own identity. */
  void assertAgentsHealthy() {
    for (AgentProcess agent : agents.values()) {
      assertThat(agent.isAlive()).as(agent.host + " agent alive").isTrue();
      String log;
      try {
        log = agent.logSince(0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertThat(log)
          .as("log of the agent of %s", agent.host)
          .doesNotContain("Forbidden")
          .doesNotContain("refuses this agent's credential");
    }
  }

  @Override
  public void close() {
    agents.values().forEach(AgentProcess::close);
    hostClients.values().forEach(KubernetesClient::close);
    try {
      operator.close();
    } finally {
      api.close();
    }
  }
}
