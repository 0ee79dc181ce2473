package io.vmha.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.vmha.demo.Crds;
import io.vmha.demo.EmbeddedApiServer;

/** What the Fabric8 mock server needs to stand in for an API server in operator tests. */
public final class MockApi {
  private MockApi() {}

  /** The mock keeps status apart from spec only for kinds whose CRD it knows. */
  public static void installCrds(KubernetesClient client) {
    Crds.install(client, false);
  }

  /**
   * A started mock server in CRUD mode that answers a failed JSON patch with 422, as the embedded
   * demo server does: for tests whose writers race, where the stock mock's silence costs a minute.
   */
  public static KubernetesMockServer startRacingServer() {
    return EmbeddedApiServer.startCrudServer();
  }

  public static void allowLeaderElection(KubernetesMockServer server) {
    EmbeddedApiServer.allowLeaderElection(server);
  }

  public static void withoutServerSideApply(ConfigurationServiceOverrider o) {
    EmbeddedApiServer.withoutServerSideApply(o);
  }
}
