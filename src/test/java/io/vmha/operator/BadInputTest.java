package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.core.model.FencingPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only the operator can judge (a missing template or repository, a local repository on a host
 * that does not exist) gives a reason and an event, and harms nothing else.
 */
@EnableKubernetesMockClient(crud = true)
class BadInputTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536);
    fleet.sharedRepository("zos");
    fleet.standaloneVm("app", "healthy", 1, 1024);
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void missingTemplateIsReportedAndTheVmIsPlacedOnceItExists() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: orphan, namespace: app}
        spec: {templateRef: {name: nosuchtemplate}}
        """);
    eventually(
        () -> {
          var status = fleet.vm("app", "orphan").getStatus();
          assertThat(status.getPhase()).isEqualTo("Pending");
          assertThat(status.getReason()).isEqualTo("TemplateNotFound");
          assertThat(status.getMessage()).contains("nosuchtemplate");
          assertThat(status.getConditions())
              .anySatisfy(
                  c -> {
                    assertThat(c.getType()).isEqualTo("Ready");
                    assertThat(c.getStatus()).isEqualTo("False");
                    assertThat(c.getReason()).isEqualTo("TemplateNotFound");
                  });
        });
    eventually(() -> assertThat(fleet.eventReasons("app", "orphan")).contains("TemplateNotFound"));
    eventually(
        () -> assertThat(fleet.vm("app", "healthy").getStatus().getPhase()).isEqualTo("Running"));

    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: nosuchtemplate, namespace: app}
        spec: {image: {repository: zos, path: images/t.qcow2}, cpus: 1, memoryMiB: 512}
        """);
    eventually(
        () -> {
          var status = fleet.vm("app", "orphan").getStatus();
          assertThat(status.getPhase()).isEqualTo("Running");
          assertThat(status.getInstanceName()).isEqualTo("nosuchtemplate-1");
        });
  }

  @Test
  void missingRepositoryAndUnknownLocalHostAreReported() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: lost-image, namespace: app}
        spec: {image: {repository: nosuchrepo, path: x.qcow2}, cpus: 1, memoryMiB: 512}
        """);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: ghost-local}
        spec: {type: Local, host: ghost, mountPath: /var/lib/vmha/local}
        """);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: ghost-vm, namespace: app}
        spec: {image: {repository: ghost-local, path: x.qcow2}, cpus: 1, memoryMiB: 512}
        """);
    eventually(
        () -> {
          assertThat(fleet.vm("app", "lost-image").getStatus().getReason())
              .isEqualTo("RepositoryNotFound");
          assertThat(fleet.vm("app", "ghost-vm").getStatus().getReason())
              .isEqualTo("LocalHostNotFound");
        });
    eventually(
        () -> assertThat(fleet.vm("app", "healthy").getStatus().getPhase()).isEqualTo("Running"));
  }
}
