package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.api.VmHost;
import io.vmha.operator.BmcDirectory;
import io.vmha.operator.RedfishBmcDirectory;
import io.vmha.power.RedfishClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator reads BMC credentials under the chart's RBAC, on a real API server: the Secrets the
 * chart is given ({@code powerFencing.credentialsSecrets}) and no other, and a host pointed at
 * another Secret is told what to change.
 */
class PowerFencingRbacE2ETest {
  static final String NAMESPACE = "vmha-system";

  @Test
  void theOperatorReadsTheBmcSecretsItIsGivenAndNoOther() throws Exception {
    Tools.assumeHelm();
    try (RealApiServer api = RealApiServer.start()) {
      api.helm(
              "install",
              "vmha",
              Tools.CHART.toString(),
              "--namespace",
              NAMESPACE,
              "--create-namespace",
              "--set",
              "powerFencing.credentialsSecrets={bmc-hv1}")
          .orFail(List.of("helm install"));
      for (String name : List.of("bmc-hv1", "bmc-hv2")) {
        api.admin()
            .secrets()
            .inNamespace(NAMESPACE)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(NAMESPACE)
                    .endMetadata()
                    .addToStringData("username", "vmha")
                    .addToStringData("password", "secret-of-" + name)
                    .build())
            .create();
      }
      try (KubernetesClient operator = api.clientAs(NAMESPACE, "vmha-operator")) {
        BmcDirectory bmcs = new RedfishBmcDirectory(operator, NAMESPACE, Duration.ofSeconds(1));

        var opened = bmcs.open(host("hv1", "bmc-hv1"));
        assertThat(((RedfishClient) opened).endpoint().credentials().password())
            .isEqualTo("secret-of-bmc-hv1");

        assertThat(catchThrowable(() -> bmcs.open(host("hv2", "bmc-hv2"))))
            .isInstanceOf(BmcDirectory.Unusable.class)
            .hasMessageContaining("may not read Secret vmha-system/bmc-hv2")
            .hasMessageContaining("powerFencing.credentialsSecrets");
        assertThat(
                catchThrowable(
                    () -> operator.secrets().inNamespace(NAMESPACE).withName("bmc-hv2").get()))
            .as("the chart's operator reads no other Secret")
            .hasMessageContaining("Forbidden");
        assertThat(catchThrowable(() -> operator.secrets().inNamespace(NAMESPACE).list()))
            .as("nor lists them")
            .hasMessageContaining("Forbidden");
      }
    }
  }

  private static VmHost host(String name, String secret) {
    return Serialization.unmarshal(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: %s}
        spec:
          capacity: {cpus: 4, memoryMiB: 4096}
          powerManagement:
            redfish: {endpoint: "https://10.0.40.11", systemId: "1", credentialsSecret: %s}
        """
            .formatted(name, secret),
        VmHost.class);
  }
}
