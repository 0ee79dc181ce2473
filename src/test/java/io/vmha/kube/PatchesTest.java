package io.vmha.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.api.VmHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A patch is one request: no read of the object before it. */
@EnableKubernetesMockClient(crud = true)
class PatchesTest {
  static KubernetesClient client;

  private static KubernetesClient counted(ApiRequestCounter counter) {
    return new KubernetesClientBuilder()
        .withConfig(client.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", counter))
        .build();
  }

  @Test
  void aPatchOfANamedObjectIsOnePatchRequestAndNoRead() {
    client
        .leases()
        .inNamespace("ns")
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName("beat")
                .withNamespace("ns")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("a")
                .endSpec()
                .build())
        .create();
    ApiRequestCounter counter = new ApiRequestCounter();
    try (KubernetesClient counted = counted(counter)) {
      Lease patched =
          Patches.target(counted, Lease.class, "ns", "beat")
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"b\"}}");

      assertThat(patched.getSpec().getHolderIdentity()).isEqualTo("b");
      assertThat(counter.counts()).isEqualTo(Map.of("PATCH leases", 1L));

      counted
          .leases()
          .inNamespace("ns")
          .withName("beat")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"c\"}}");
      assertThat(counter.counts()).containsEntry("GET leases", 1L); // what it replaces
    }
  }

  @Test
  void aStatusPatchOfAClusterScopedObjectIsOneRequest() {
    VmHost host = new VmHost();
    host.setMetadata(new ObjectMeta());
    host.getMetadata().setName("h1");
    client.resource(host).create();
    ApiRequestCounter counter = new ApiRequestCounter();
    try (KubernetesClient counted = counted(counter)) {
      Patches.target(counted, VmHost.class, null, "h1")
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Up\"}}");
      assertThat(counter.counts()).isEqualTo(Map.of("PATCH vmhosts/status", 1L));
    }
  }
}
