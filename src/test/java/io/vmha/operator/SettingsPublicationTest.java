package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VmhaApi;
import io.vmha.core.model.FencingPolicy;
import org.junit.jupiter.api.Test;

/** R6: the leader publishes the settings every agent must run, where agents can read them. */
@EnableKubernetesMockClient(crud = true)
class SettingsPublicationTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void theLeaderPublishesTheAgentsSettings() throws Exception {
    var settings = Fleet.fastSettings(FencingPolicy.SelfFence);
    try (Fleet fleet = Fleet.start(client, server, settings, "leader")) {
      fleet.sharedRepository("zos").host("h1", 8, 16384);
      eventually(
          () -> {
            ConfigMap published =
                client
                    .configMaps()
                    .inNamespace(Fleet.LEASES)
                    .withName(VmhaApi.SETTINGS_CONFIG_MAP)
                    .get();
            assertThat(published.getData())
                .containsEntry("heartbeatInterval", "PT0.2S")
                .containsEntry("selfFenceAfter", "PT0.5S")
                .containsEntry("hostGracePeriod", "PT3S")
                .containsEntry("fencing", "SelfFence")
                .containsEntry("maxUnhealthyFraction", "0.5");
          });
    }
  }
}
