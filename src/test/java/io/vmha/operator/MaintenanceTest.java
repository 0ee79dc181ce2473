package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.core.model.FencingPolicy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** H3/H4: spec.maintenance drains a host by live migration, then it is in Maintenance. */
@EnableKubernetesMockClient(crud = true)
class MaintenanceTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536);
    fleet.sharedRepository("zos");
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void maintenanceDrainsTheHostByLiveMigration() {
    List<String> names = List.of("vm-a", "vm-b", "vm-c", "vm-d");
    for (String name : names) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: ops}
          spec: {image: {repository: zos, path: images/%s.qcow2}, cpus: 1, memoryMiB: 1024}
          """
              .formatted(name, name));
    }
    eventually(
        () ->
            names.forEach(
                n -> assertThat(fleet.vm("ops", n).getStatus().getPhase()).isEqualTo("Running")));
    fleet.editHost("pacific", spec -> spec.setMaintenance(true));

    eventually(
        () -> {
          assertThat(fleet.vmHost("pacific").getStatus().getPhase()).isEqualTo("Maintenance");
          for (String name : names) {
            var status = fleet.vm("ops", name).getStatus();
            assertThat(status.getHost()).isEqualTo("atlantic");
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(status.getInstanceName()).isEqualTo(name);
          }
        });
    // counts alone follow within the bookkeeping delay
    eventually(() -> assertThat(fleet.vmHost("pacific").getStatus().getVmCount()).isZero());

    fleet.editHost("pacific", spec -> spec.setMaintenance(false));
    eventually(() -> assertThat(fleet.vmHost("pacific").getStatus().getPhase()).isEqualTo("Up"));
  }
}
