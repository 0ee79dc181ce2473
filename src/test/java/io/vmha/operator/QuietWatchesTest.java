package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reads the watch check makes, against an API server (the Fabric8 mock server). */
@EnableKubernetesMockClient(crud = true)
class QuietWatchesTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void theVmComparisonReadsTheVersionOfEveryVmInEveryNamespace() {
    MockApi.installCrds(client);
    for (String ns : new String[] {"apps", "db"}) {
      for (int i = 0; i < 3; i++) {
        VirtualMachine vm = new VirtualMachine();
        vm.getMetadata().setName("vm-" + i);
        vm.getMetadata().setNamespace(ns);
        client.resource(vm).create();
      }
    }
    var watched =
        QuietWatches.kind(
            VirtualMachine.class, () -> null, new FreshConnection(client.getConfiguration()));

    Map<String, String> listed = watched.server().get();

    assertThat(listed).hasSize(6).containsKeys("apps/vm-0", "db/vm-2");
    assertThat(listed.get("apps/vm-0"))
        .isEqualTo(
            client
                .resources(VirtualMachine.class)
                .inNamespace("apps")
                .withName("vm-0")
                .get()
                .getMetadata()
                .getResourceVersion());
    assertThat(watched.quietNanos().getAsLong()).as("no caches yet: a follower").isZero();
  }
}
