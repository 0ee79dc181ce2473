package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.core.model.FencingPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Seed 1, scenario 2: a VM on a local repository waits for its host and comes back there. */
@EnableKubernetesMockClient(crud = true)
class LocalRepositoryTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536).host("indian", 16, 65536);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: pacific-local}
        spec: {type: Local, host: pacific, mountPath: /var/lib/vmha/repositories/local}
        """);
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void localVmWaitsForItsHostThenReturnsThere() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: build, namespace: seed}
        spec: {image: {repository: pacific-local, path: images/build.qcow2}, cpus: 2, memoryMiB: 4096}
        """);
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "build");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
          assertThat(vm.getStatus().getHost()).isEqualTo("pacific");
        });

    fleet.agents.crash("pacific");
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "build");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Pending");
          assertThat(vm.getStatus().getReason()).isEqualTo("WaitingForHost");
          assertThat(vm.getStatus().getHost()).isNull();
        });
    eventually(() -> assertThat(fleet.eventReasons("seed", "build")).contains("WaitingForHost"));

    fleet.agents.recover("pacific");
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "build");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
          assertThat(vm.getStatus().getHost()).isEqualTo("pacific");
          assertThat(vm.getStatus().getInstanceName()).isEqualTo("build");
        });
    assertThat(fleet.agents.runs("pacific", "build")).isTrue();
  }

  /**
   * A host back from a crash renews before it reports: its report of before the crash still shows
   * the VM running. The VM waits for a report of the agent's new run instead of being counted
   * running on a host that does not run it.
   */
  @Test
  void aHostBackFromACrashIsNotJudgedByItsReportOfBefore() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: cache, namespace: seed}
        spec: {image: {repository: pacific-local, path: images/cache.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
    eventually(
        () -> assertThat(fleet.vm("seed", "cache").getStatus().getPhase()).isEqualTo("Running"));
    fleet.agents.crash("pacific");
    eventually(
        () ->
            assertThat(fleet.vm("seed", "cache").getStatus().getReason())
                .isEqualTo("WaitingForHost"));

    fleet.agents.fault("pacific", FakeAgents.Fault.REPORT_HELD);
    fleet.agents.recover("pacific");
    org.awaitility.Awaitility.await("cache not counted running on its old report")
        .during(java.time.Duration.ofSeconds(4))
        .atMost(java.time.Duration.ofSeconds(6))
        .until(() -> !"Running".equals(fleet.vm("seed", "cache").getStatus().getPhase()));

    fleet.agents.heal("pacific", FakeAgents.Fault.REPORT_HELD);
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "cache");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
          assertThat(vm.getStatus().getHost()).isEqualTo("pacific");
          assertThat(fleet.agents.runs("pacific", vm.getStatus().getInstanceName())).isTrue();
        });
  }
}
