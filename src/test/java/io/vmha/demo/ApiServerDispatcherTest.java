package io.vmha.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;

/**
 * The embedded API server answers a JSON patch whose test fails as a kube-apiserver does, so a
 * writer that lost a race plans again at once instead of waiting out its timeout and retries.
 */
class ApiServerDispatcherTest {

  @Test
  void aPatchWhoseTestFailsIsAnsweredWith422AndChangesNothing() {
    EmbeddedApiServer api = EmbeddedApiServer.start();
    // no retries and a short timeout: with the stock dispatcher this request got no answer
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(api.client().getConfiguration())
                    .withRequestTimeout(3_000)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      client
          .configMaps()
          .inNamespace("default")
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("phase")
                  .endMetadata()
                  .addToData("phase", "Up")
                  .build())
          .create();
      String lostRace =
          "[{\"op\":\"test\",\"path\":\"/data/phase\",\"value\":\"NonOperational\"},"
              + "{\"op\":\"replace\",\"path\":\"/data/phase\",\"value\":\"NotResponding\"}]";

      assertThatThrownBy(
              () ->
                  client
                      .configMaps()
                      .inNamespace("default")
                      .withName("phase")
                      .patch(PatchContext.of(PatchType.JSON), lostRace))
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
          .hasMessageContaining("NonOperational");

      ConfigMap after = client.configMaps().inNamespace("default").withName("phase").get();
      assertThat(after.getData()).containsEntry("phase", "Up");
    } finally {
      api.close();
    }
  }
}
