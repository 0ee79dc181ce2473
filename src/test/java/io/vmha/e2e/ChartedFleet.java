package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;

/**
 * A real API server with the Helm chart installed and the operator running in this JVM as the
 * chart's operator ServiceAccount, with host agents as the chart's agent ServiceAccount. Nothing
 * runs with admin rights but the test's own setup (what a cluster admin or GitOps tool applies).
 */
final class ChartedFleet implements AutoCloseable {
  static final String NAMESPACE = "vmha-system";
  static final String RELEASE = "vmha";
  static final String OPERATOR_SA = "vmha-operator";
  static final String AGENT_SA = "vmha-agent";
  static final String IDENTITY = "vmha-operator-e2e";

  /**
   * The spec's timings shrunk about tenfold, keeping their proportions (H1): grace >= self-fence +
   * heartbeat + 2s.
   */
  static final Settings FAST =
      new Settings(
          Duration.ofMillis(200),
          Duration.ofMillis(3000),
          Duration.ofMillis(500),
          2,
          0.5,
          3,
          Duration.ofMinutes(10),
          Duration.ofMillis(500),
          Duration.ofSeconds(4),
          FencingPolicy.SelfFence,
          0,
          PlacementPolicy.LeastAllocated,
          Duration.ofMillis(3000));

  final RealApiServer api;
  final KubernetesClient operatorClient;
  final KubernetesClient agentClient;
  final VmhaOperator operator;
  private final List<MiniAgent> agents = new ArrayList<>();

  private ChartedFleet(
      RealApiServer api,
      KubernetesClient operatorClient,
      KubernetesClient agentClient,
      VmhaOperator operator) {
    this.api = api;
    this.operatorClient = operatorClient;
    this.agentClient = agentClient;
    this.operator = operator;
  }

  static ChartedFleet install() throws Exception {
    Tools.assumeHelm();
    RealApiServer api = RealApiServer.start();
    try {
      // No --wait: there is no kubelet, so the Deployment's pods never run; everything else is
      // real.
      api.helm(
              "install",
              RELEASE,
              Tools.CHART.toString(),
              "--namespace",
              NAMESPACE,
              "--create-namespace")
          .orFail(List.of("helm install"));
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
      KubernetesClient operatorClient = api.clientAs(NAMESPACE, OPERATOR_SA);
      KubernetesClient agentClient = api.clientAs(NAMESPACE, AGENT_SA);
      // The in-process twin of the chart's Deployment: what POD_NAME/POD_NAMESPACE and the VMHA_*
      // variables give the container, with SSA on as JOSDK's default (a real server has it).
      OperatorOptions options =
          new OperatorOptions(FAST, true, "vmha-operator", NAMESPACE, IDENTITY, 0, false);
      VmhaOperator operator = new VmhaOperator(operatorClient, options, o -> {}).start();
      return new ChartedFleet(api, operatorClient, agentClient, operator);
    } catch (Exception | Error e) {
      api.close();
      throw e;
    }
  }

  /** Starts a host agent for {@code host}, authenticated as the chart's agent ServiceAccount. */
  MiniAgent agent(String host) {
    MiniAgent agent =
        new MiniAgent(
            agentClient,
            host,
            NAMESPACE,
            FAST.heartbeatInterval().toMillis(),
            (int) FAST.hostGracePeriod().toSeconds());
    agents.add(agent);
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

  static void eventually(ThrowingRunnable assertion) {
    eventually(Duration.ofSeconds(30), assertion);
  }

  static void eventually(Duration atMost, ThrowingRunnable assertion) {
    Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(assertion);
  }

  void assertAgentsHealthy() {
    for (MiniAgent agent : agents) {
      assertThat(agent.lastError.get())
          .as("last error of a host agent running as %s", AGENT_SA)
          .isNull();
    }
  }

  @Override
  public void close() {
    agents.forEach(MiniAgent::close);
    try {
      operator.close();
    } finally {
      api.close();
    }
  }
}
