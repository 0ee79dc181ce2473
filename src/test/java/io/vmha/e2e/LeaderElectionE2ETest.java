package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmha.api.VmHost;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas (identities a and b) on one real API server, as the chart's two-replica
 * Deployment runs them: exactly one holds the Lease {@code vmha-operator} and acts; when it stops,
 * the other takes over and acts.
 */
class LeaderElectionE2ETest {
  static final String NAMESPACE = "vmha-le";
  static RealApiServer api;
  static final Map<String, VmhaOperator> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds(true);
    api.createNamespace(NAMESPACE);
    startReplicas(api, NAMESPACE, replicas);
  }

  /** Two operator replicas "a" and "b" electing a leader in {@code namespace}. */
  static void startReplicas(RealApiServer api, String namespace, Map<String, VmhaOperator> into)
      throws Exception {
    for (String identity : List.of("a", "b")) {
      // Each replica its own client, as two pods would have.
      KubernetesClient client =
          new KubernetesClientBuilder().withConfig(api.admin().getConfiguration()).build();
      OperatorOptions options =
          new OperatorOptions(
              ChartedFleet.FAST, true, "vmha-operator", namespace, identity, -1, false);
      into.put(identity, new VmhaOperator(client, options, o -> {}).start());
    }
  }

  @AfterAll
  static void stop() {
    replicas.values().forEach(VmhaOperator::close);
    if (api != null) {
      api.close();
    }
  }

  private static String holder() {
    return api.leaseHolder(NAMESPACE, "vmha-operator");
  }

  private static void hostGetsStatus(String name) {
    api.admin()
        .resource(
            new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("vmha.io/v1alpha1")
                .withKind("VmHost")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToAdditionalProperties(
                    "spec", Map.of("capacity", Map.of("cpus", 4, "memoryMiB", 8192)))
                .build())
        .create();
    // No agent renews its heartbeat: only a leading operator writes the host's status.
    eventually(
        () ->
            assertThat(
                    api.admin().resources(VmHost.class).withName(name).get().getStatus().getPhase())
                .isNotBlank());
  }

  private static Set<String> reportingInstances() {
    Set<String> instances = new HashSet<>();
    api.admin().events().v1().events().inAnyNamespace().list().getItems().stream()
        .filter(e -> "vmha-operator".equals(e.getReportingController()))
        .forEach(e -> instances.add(e.getReportingInstance()));
    return instances;
  }

  @Test
  void exactlyOneReplicaLeadsAndTheOtherTakesOverWhenItStops() throws Exception {
    eventually(() -> assertThat(holder()).isIn("a", "b"));
    String leader = holder();
    String follower = leader.equals("a") ? "b" : "a";

    // The lead stays put while the leader renews: the follower never gets the Lease.
    Set<String> seen = new HashSet<>();
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < until) {
      seen.add(holder());
      Thread.sleep(200);
    }
    assertThat(seen).containsExactly(leader);
    hostGetsStatus("le-host-1");
    // Whatever was reported so far, the leader reported it: the follower does not act.
    assertThat(reportingInstances()).isSubsetOf(leader);

    replicas.remove(leader).close();
    // The follower takes over within the Lease's duration (JOSDK: 15 s) and acts.
    eventually(Duration.ofSeconds(40), () -> assertThat(holder()).isEqualTo(follower));
    hostGetsStatus("le-host-2");
    assertThat(holder()).isEqualTo(follower);
  }
}
