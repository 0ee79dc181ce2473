package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.api.VmhaApi;
import io.vmha.kube.ApiRequestCounter;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A heartbeat renewal is one request: at 1,000 hosts a read before each patch was half the API
 * server's requests, and under load it spent half of a renewal's deadline.
 */
@EnableKubernetesMockClient(crud = true)
class LeasesTest {
  static KubernetesClient client;

  @Test
  void aRenewalIsOnePatchAndTheFirstCreatesTheLease() {
    ApiRequestCounter counter = new ApiRequestCounter();
    try (KubernetesClient counted =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", counter))
            .build()) {
      Leases leases = new Leases(counted, "vmha-system", "beat-1", 15);
      Instant run = Instant.parse("2026-12-05T10:00:00Z");

      leases.renewHeartbeat(run, run);
      assertThat(counter.counts())
          .as("no Lease yet: the patch is refused, the Lease created")
          .isEqualTo(Map.of("PATCH leases", 1L, "POST leases", 1L));

      leases.renewHeartbeat(run.plusSeconds(2), run);
      leases.renewHeartbeat(run.plusSeconds(4), run);
      assertThat(counter.counts()).isEqualTo(Map.of("PATCH leases", 3L, "POST leases", 1L));
      var lease =
          client
              .leases()
              .inNamespace("vmha-system")
              .withName(VmhaApi.hostLeaseName("beat-1"))
              .get();
      assertThat(lease.getSpec().getRenewTime().toInstant()).isEqualTo(run.plusSeconds(4));
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("beat-1");
    }
  }
}
