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

/** Seed 1: the host agent is killed but the VM's own agent still reports: nothing moves (F3). */
@EnableKubernetesMockClient(crud = true)
class GuestAgentTest {
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
  void vmWhoseGuestAgentStillReportsIsLeftAlone() {
    fleet.agents.guestAgent("seed", "monitor");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: monitor, namespace: seed}
        spec: {image: {repository: zos, path: images/monitor.qcow2}, cpus: 1, memoryMiB: 2048, guestAgent: true}
        """);
    eventually(
        () -> assertThat(fleet.vm("seed", "monitor").getStatus().getPhase()).isEqualTo("Running"));
    String host = fleet.vm("seed", "monitor").getStatus().getHost();

    fleet.agents.fault(host, FakeAgents.Fault.AGENT_DOWN); // killed agent; the VM runs on
    eventually(
        () -> {
          assertThat(fleet.vmHost(host).getStatus().getPhase()).isEqualTo("NotResponding");
          VirtualMachine vm = fleet.vm("seed", "monitor");
          assertThat(vm.getStatus().getReason()).isEqualTo("GuestAgentAlive");
        });
    VirtualMachine vm = fleet.vm("seed", "monitor");
    assertThat(vm.getStatus().getHost()).isEqualTo(host);
    assertThat(vm.getStatus().getInstanceName()).isEqualTo("monitor");
    assertThat(vm.getStatus().getFailoverCount()).isNull();
    assertThat(fleet.agents.runs(host, "monitor")).isTrue();
  }
}
