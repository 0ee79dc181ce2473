package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.core.model.FencingPolicy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 2 (RHEV): a non-SPM host loses its storage network. Its VMs pause to protect their disks,
 * the host goes NonOperational, and the VMs are live-migrated away, highly available ones first.
 */
@EnableKubernetesMockClient(crud = true)
class StorageLossTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: atlantic}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: High, unschedulable: true}
        """);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: pacific}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: Low}
        """);
    fleet.agents.add("atlantic");
    fleet.agents.add("pacific");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: iscsi-share}
        spec: {type: Shared, mountPath: /var/lib/vmha/repositories/iscsi}
        """);
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void pausedVmsMigrateHighlyAvailableFirst() {
    // as in the seed, every VM starts on Pacific (Atlantic is cordoned until then)
    for (String[] vm :
        new String[][] {
          {"apollo", "true", "Low"}, {"gemini", "true", "High"}, {"mercury", "false", "High"}
        }) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: seed}
          spec:
            image: {repository: iscsi-share, path: images/%s.qcow2}
            cpus: 2
            memoryMiB: 2048
            highAvailability: {enabled: %s, priority: %s}
          """
              .formatted(vm[0], vm[0], vm[1], vm[2]));
    }
    eventually(
        () -> {
          for (String name : List.of("apollo", "gemini", "mercury")) {
            assertThat(fleet.vm("seed", name).getStatus().getPhase()).isEqualTo("Running");
            assertThat(fleet.vm("seed", name).getStatus().getHost()).isEqualTo("pacific");
          }
          assertThat(fleet.agents.spmHolder()).isEqualTo("atlantic");
        });
    fleet.editHost("atlantic", spec -> spec.setUnschedulable(false));

    fleet.agents.fault("pacific", FakeAgents.Fault.STORAGE_DOWN);

    eventually(
        () -> {
          assertThat(fleet.vmHost("pacific").getStatus().getPhase()).isEqualTo("NonOperational");
          for (String name : List.of("apollo", "gemini", "mercury")) {
            VirtualMachine vm = fleet.vm("seed", name);
            assertThat(vm.getStatus().getHost()).as(name).isEqualTo("atlantic");
            assertThat(vm.getStatus().getPhase()).as(name).isEqualTo("Running");
            assertThat(vm.getStatus().getInstanceName())
                .as("migration keeps the instance")
                .isEqualTo(name);
            assertThat(vm.getStatus().getMigrationCount()).isEqualTo(1);
            assertThat(vm.getStatus().getFailoverCount())
                .as("a migration is not a failover")
                .isNull();
          }
        });
    eventually(
        () ->
            assertThat(fleet.eventReasons("seed", "gemini"))
                .contains("MigrationStarted", "Migrated"));
    // the VM that waited for a migration slot sat paused on the host without storage meanwhile
    eventually(
        () ->
            assertThat(fleet.eventReasons("seed", "mercury"))
                .containsSubsequence("Paused", "MigrationStarted", "Migrated"));
    // HA first: with two migrations in flight per host, both HA VMs go in the first round and the
    // non-HA VM strictly after them
    String mercury = migrationStarted("mercury");
    assertThat(migrationStarted("gemini")).isLessThan(mercury);
    assertThat(migrationStarted("apollo")).isLessThan(mercury);
  }

  private static String migrationStarted(String vm) {
    return fleet.events("seed", vm).stream()
        .filter(e -> "MigrationStarted".equals(e.getReason()))
        .map(Event::getEventTime)
        .map(t -> t.getTime())
        .findFirst()
        .orElseThrow();
  }
}
