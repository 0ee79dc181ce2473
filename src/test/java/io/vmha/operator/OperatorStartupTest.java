package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.RegisteredController;
import io.vmha.core.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class OperatorStartupTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static VmhaOperator operator;

  @BeforeAll
  static void start() throws Exception {
    MockApi.installCrds(client);
    MockApi.allowLeaderElection(server);
    OperatorOptions options =
        new OperatorOptions(
            Settings.defaults(), true, "vmha-operator", "vmha-system", "replica-a", 0, false);
    operator = new VmhaOperator(client, options, MockApi::withoutServerSideApply).start();
  }

  @AfterAll
  static void stop() {
    operator.close();
  }

  @Test
  void registersOneControllerPerKind() {
    assertThat(
            operator.josdk().getRuntimeInfo().getRegisteredControllers().stream()
                .map(RegisteredController::getConfiguration)
                .map(c -> c.getResourceClass().getSimpleName())
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("VmHost", "StorageRepository", "VmTemplate", "VirtualMachine");
  }

  @Test
  void takesTheLeaderLease() {
    eventually(
        () -> {
          Lease lease = client.leases().inNamespace("vmha-system").withName("vmha-operator").get();
          assertThat(lease).isNotNull();
          assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-a");
        });
  }

  @Test
  void servesProbesAndMetrics() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    eventually(
        () -> {
          assertThat(get(http, "/healthz").statusCode()).isEqualTo(200);
          assertThat(get(http, "/readyz").statusCode()).isEqualTo(200);
        });
    assertThat(get(http, "/metrics").body()).contains("# TYPE");
  }

  private static HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + operator.httpPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
