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

/** Seed 1, scenario 1: the VM host fails; its VMs on shared storage are provisioned elsewhere. */
@EnableKubernetesMockClient(crud = true)
class SharedRepositoryFailoverTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536).host("indian", 8, 32768);
    fleet.sharedRepository("zos");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: sles10template, namespace: seed}
        spec: {image: {repository: zos, path: images/sles10.qcow2}, cpus: 2, memoryMiB: 4096}
        """);
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void templateVmGetsTheNextInstanceNameOnAnotherHost() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: web, namespace: seed}
        spec: {templateRef: {name: sles10template}, highAvailability: {priority: High}}
        """);
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "web");
          assertThat(vm.getStatus()).isNotNull();
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
          assertThat(vm.getStatus().getInstanceName()).isEqualTo("sles10template-1");
        });
    String first = fleet.vm("seed", "web").getStatus().getHost();

    fleet.agents.crash(first);

    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "web");
          assertThat(vm.getStatus().getHost()).isNotEqualTo(first);
          assertThat(vm.getStatus().getInstanceName()).isEqualTo("sles10template-2");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
          assertThat(vm.getStatus().getFailoverCount()).isEqualTo(1);
          // the operator writes status only, never the user's metadata
          assertThat(vm.getMetadata().getLabels()).isNullOrEmpty();
        });
    assertThat(fleet.template("seed", "sles10template").getStatus().getInstanceCounter())
        .isEqualTo(2);
    assertThat(fleet.vmHost(first).getStatus().getPhase()).isEqualTo("NotResponding");
    eventually(
        () -> assertThat(fleet.eventReasons("seed", "web")).contains("Placed", "FailedOver"));
    // the receiving host's counts are bookkeeping: written once the burst is over, not with it
    String second = fleet.vm("seed", "web").getStatus().getHost();
    eventually(
        () -> {
          var counted = fleet.vmHost(second).getStatus();
          assertThat(counted.getVmCount()).isPositive();
          assertThat(counted.getAllocated().getCpus()).isPositive();
        });
    String metrics = fleet.operator.registry().scrape();
    assertThat(metrics).containsPattern("vmha_failovers_total [1-9]");
    assertThat(metrics).containsPattern("vmha_failover_detection_to_placed_seconds_count [1-9]");
    assertThat(metrics).contains("vmha_hosts{phase=\"NotResponding\"} 1.0");
    recover(first);
  }

  private static void recover(String host) {
    fleet.agents.recover(host);
    eventually(() -> assertThat(fleet.vmHost(host).getStatus().getPhase()).isEqualTo("Up"));
  }

  @Test
  void standaloneVmKeepsItsName() {
    fleet.standaloneVm("seed", "db", 4, 8192);
    eventually(
        () -> assertThat(fleet.vm("seed", "db").getStatus().getPhase()).isEqualTo("Running"));
    String first = fleet.vm("seed", "db").getStatus().getHost();
    fleet.agents.crash(first);
    eventually(
        () -> {
          VirtualMachine vm = fleet.vm("seed", "db");
          assertThat(vm.getStatus().getHost()).isNotEqualTo(first);
          assertThat(vm.getStatus().getInstanceName()).isEqualTo("db");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
        });
    recover(first);
  }
}
