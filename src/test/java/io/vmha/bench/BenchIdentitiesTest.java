package io.vmha.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.Resources;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.api.VmhaApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --identities chart} on a real API server: the bench's operator and simulated agents are
 * the chart's identities, so RBAC, the admission policies and API Priority and Fairness treat them
 * as a real install's. Skips without kube-apiserver binaries or helm.
 */
class BenchIdentitiesTest {
  private static final Path CHART = Path.of(BenchOptions.DEFAULT_CHART);
  private static final String NS = Bench.LEASES;

  /**
   * A simulated host's clients are its own identity: its own heartbeat and report go through (the
   * renewal classified by the chart's heartbeat FlowSchema), another host's are refused, while the
   * admin's renewal is exempt from priority and fairness.
   */
  @Test
  @Timeout(180)
  void aHostsClientsAreItsOwnIdentity() throws Exception {
    assumeRealApiAndHelm();
    try (RealApiServer api = RealApiServer.start(Path.of(RealApiServer.DEFAULT_DIR), s -> {});
        KubernetesClient admin = api.client(null)) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();
      ChartInstall.install(api.config(), CHART, NS, null, List.of(), s -> {});
      for (String host : List.of("a", "b")) {
        VmHost h = new VmHost();
        h.setMetadata(new ObjectMetaBuilder().withName(host).build());
        VmHostSpec spec = new VmHostSpec();
        spec.setCapacity(new Resources(8, 16384));
        h.setSpec(spec);
        admin.resource(h).create();
      }
      io.vmha.kube.ApiRequestTimer timer =
          io.vmha.kube.ApiRequestTimer.of("leases", "GET", "PATCH");
      try (KubernetesClient shared = api.client(api.config());
          KubernetesClient sharedBeats = api.client(api.config(), timer)) {
        HostIdentities identities = new HostIdentities(admin, shared, sharedBeats, NS);
        identities.create(List.of("a", "b"));
        KubernetesClient a = identities.client("a");

        assertThat(ApiIdentity.whoAmI(a))
            .isEqualTo("system:serviceaccount:" + NS + "-hosts:vmha-host-a");
        renew(identities.heartbeatClient("a"), "a");
        report(a, "a");
        // refused by the admission policies (RBAC gives every host the same role), which the API
        // server enforces once it has loaded them, a moment after the chart made them
        io.vmha.Eventually.eventually(
            () ->
                assertThatThrownBy(() -> report(a, "b"))
                    .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(403)));
        io.vmha.Eventually.eventually(
            () ->
                assertThatThrownBy(() -> renew(identities.heartbeatClient("a"), "b"))
                    .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(403)));

        renew(sharedBeats, "a"); // the admin itself
        var names = ApiIdentity.flowSchemaNamesByUid(admin);
        List<String> schemas =
            timer.samples().stream()
                .filter(s -> s.code() == 200 && "PATCH".equals(s.method()))
                .map(s -> names.get(s.flowSchemaUid()))
                .toList();
        assertThat(schemas).containsExactly(ChartInstall.HEARTBEAT_FLOW_SCHEMA, "exempt");
      }
    }
  }

  /**
   * A small failover with the chart's identities: the operator runs as the chart's ServiceAccount,
   * its requests matched by the chart's FlowSchema, the agents' renewals by the heartbeat one, and
   * nothing the agents or the operator do is refused.
   */
  @Test
  @Timeout(300)
  void aFailoverUnderTheChartsIdentities(@TempDir Path dir) throws Exception {
    assumeRealApiAndHelm();
    BenchOptions small = BenchOptions.small(20, 200);
    BenchOptions options =
        new BenchOptions(
            small.hosts(),
            small.vms(),
            1,
            40,
            "real",
            Path.of(RealApiServer.DEFAULT_DIR),
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            Duration.ofSeconds(6),
            200,
            8,
            4,
            dir.resolve("bench.json"),
            null,
            false,
            BenchOptions.Scenario.FAILOVER,
            Duration.ofSeconds(10),
            null,
            CHART,
            List.of());
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    BenchResult result;
    try (PrintStream out = new PrintStream(captured, true)) {
      result = new Bench(options, out).run();
    }
    System.out.println(captured);

    assertThat(result.identities).isEqualTo("chart");
    assertThat(result.operatorIdentity)
        .isEqualTo("system:serviceaccount:" + NS + ":" + ChartInstall.OPERATOR_ACCOUNT);
    assertThat(result.agentIdentity)
        .isEqualTo("system:serviceaccount:" + NS + "-hosts:vmha-host-" + BenchFleet.hostName(0));
    assertThat(result.heartbeatFlowSchemas).containsOnlyKeys(ChartInstall.HEARTBEAT_FLOW_SCHEMA);
    assertThat(result.apfDuringFailover)
        .containsKey("dispatched " + ChartInstall.OPERATOR_FLOW_SCHEMA + "/workload-high")
        .containsKey("dispatched " + ChartInstall.HEARTBEAT_FLOW_SCHEMA + "/vmha-agent-heartbeats")
        .doesNotContainKey(
            "rejected " + ChartInstall.HEARTBEAT_FLOW_SCHEMA + "/vmha-agent-heartbeats");
    assertThat(result.heartbeatLatencyMs)
        .containsKeys("coldStart", "baseline", "quiet", "failover");
    Map<String, Double> failover = result.heartbeatLatencyMs.get("failover");
    assertThat(failover.get("count")).isPositive();
    assertThat(failover.get("p50"))
        .as("a renewal is its patch alone: no read of the Lease first")
        .isEqualTo(failover.get("patchP50"));
    assertThat(result.coldStartAgentWrites).as("the agents' reports went through").isPositive();
    assertThat(result.agentRequestsRefused).isEmpty();
    assertThat(result.operatorRequestsRefused).isEmpty();
    assertThat(result.violations).isEmpty();
    assertThat(result.correct()).isTrue();
  }

  private static void assumeRealApiAndHelm() {
    Path binaries = Path.of(RealApiServer.DEFAULT_DIR);
    Assumptions.assumeTrue(
        RealApiServer.unavailable(binaries) == null, "no kube-apiserver in " + binaries);
    String why = ChartInstall.unavailable(CHART);
    Assumptions.assumeTrue(why == null, why);
  }

  private static void renew(KubernetesClient client, String host) {
    client
        .leases()
        .inNamespace(NS)
        .withName(VmhaApi.hostLeaseName(host))
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"holderIdentity\":\""
                + host
                + "\",\"renewTime\":\""
                + io.vmha.agent.Leases.microTime(java.time.Instant.now())
                + "\"}}");
  }

  /** What an agent writes of its VmHost: status.reported only. */
  private static void report(KubernetesClient client, String host) {
    client
        .resources(VmHost.class)
        .withName(host)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"reported\":{\"agentVersion\":\"test\"}}}");
  }
}
