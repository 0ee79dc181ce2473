package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.core.model.FencingPolicy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The affinity written on VMs and templates reaches the engine: the template's rule binds the VMs
 * made from it, and a VM's own rule binds the VM. Each test has a namespace, as the rules select
 * VMs of their own namespace only.
 */
@EnableKubernetesMockClient(crud = true)
class VmAffinityTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536).host("indian", 16, 65536);
    fleet.sharedRepository("zos");
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void theTemplatesAntiAffinityKeepsItsVmsOnDifferentHostsAndTheOneTooManyPending() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: web, namespace: shop}
        spec:
          image: {repository: zos, path: images/web.qcow2}
          cpus: 1
          memoryMiB: 1024
          affinity:
            vmAntiAffinity:
              requiredDuringScheduling:
                - labelSelector: {matchLabels: {app: web}}
        """);
    for (String name : List.of("web-a", "web-b", "web-c", "web-d")) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: shop, labels: {app: web}}
          spec: {templateRef: {name: web}}
          """
              .formatted(name));
    }

    eventually(
        () -> {
          List<VirtualMachineStatus> statuses =
              List.of("web-a", "web-b", "web-c", "web-d").stream()
                  .map(name -> fleet.vm("shop", name).getStatus())
                  .toList();
          assertThat(statuses)
              .filteredOn(s -> "Running".equals(s.getPhase()))
              .extracting(VirtualMachineStatus::getHost)
              .containsExactlyInAnyOrder("atlantic", "pacific", "indian");
          assertThat(statuses)
              .filteredOn(s -> "Pending".equals(s.getPhase()))
              .extracting(VirtualMachineStatus::getReason)
              .containsExactly("AffinityConflict");
        });
  }

  @Test
  void aVmsOwnAffinityTakesItToTheHostOfItsPeer() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: db, namespace: billing, labels: {app: db}}
        spec: {image: {repository: zos, path: images/db.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
    eventually(() -> assertThat(fleet.vm("billing", "db").getStatus().getHost()).isNotNull());
    String dbHost = fleet.vm("billing", "db").getStatus().getHost();

    for (String name : List.of("app-1", "app-2")) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: billing}
          spec:
            image: {repository: zos, path: images/%s.qcow2}
            cpus: 1
            memoryMiB: 1024
            affinity:
              vmAffinity:
                requiredDuringScheduling:
                  - labelSelector:
                      matchExpressions: [{key: app, operator: In, values: [db]}]
          """
              .formatted(name, name));
    }

    eventually(
        () -> {
          for (String name : List.of("app-1", "app-2")) {
            VirtualMachine app = fleet.vm("billing", name);
            assertThat(app.getStatus().getPhase()).isEqualTo("Running");
            assertThat(app.getStatus().getHost()).isEqualTo(dbHost);
          }
        });
  }
}
