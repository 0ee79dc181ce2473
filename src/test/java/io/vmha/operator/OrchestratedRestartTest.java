package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.Condition;
import io.vmha.api.VirtualMachine;
import io.vmha.core.model.FencingPolicy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * O1 through the operator: readiness and startAfter written on VMs reach the engine, a refused
 * startAfter list shows in the VM's StartOrder condition and an event, and a lower tier fails over
 * only once the higher tier's VM has been ready for its postReadyDelay.
 */
@EnableKubernetesMockClient(crud = true)
class OrchestratedRestartTest {
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

  private static Condition startOrder(VirtualMachine vm) {
    return vm.getStatus().getConditions().stream()
        .filter(c -> "StartOrder".equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static Instant readySince(VirtualMachine vm) {
    return vm.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .map(c -> Instant.parse(c.getLastTransitionTime()))
        .findFirst()
        .orElseThrow();
  }

  private static void standalone(String namespace, String name, String extra) {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: %s, namespace: %s}
        spec:
          image: {repository: zos, path: images/%s.qcow2}
          cpus: 1
          memoryMiB: 1024
        %s"""
            .formatted(name, namespace, name, extra.indent(2)));
  }

  @Test
  void aStartAfterCycleIsRefusedInTheConditionAndAnEventAndDelaysNothing() {
    standalone("loop", "a", "startAfter: [b]");
    standalone("loop", "b", "startAfter: [a]");
    eventually(
        () -> {
          for (String name : List.of("a", "b")) {
            VirtualMachine vm = fleet.vm("loop", name);
            assertThat(vm.getStatus().getPhase()).isEqualTo("Running");
            assertThat(startOrder(vm).getStatus()).isEqualTo("False");
            assertThat(startOrder(vm).getReason()).isEqualTo("DependencyCycle");
            assertThat(startOrder(vm).getMessage())
                .contains("startAfter forms a cycle", "the VM starts without waiting");
          }
          assertThat(fleet.eventReasons("loop", "a")).contains("DependencyCycle");
        });

    standalone("loop", "b", "");
    eventually(
        () -> {
          Condition accepted = startOrder(fleet.vm("loop", "a"));
          assertThat(accepted.getStatus()).isEqualTo("True");
          assertThat(accepted.getReason()).isEqualTo("Accepted");
          assertThat(accepted.getMessage()).isEqualTo("starts after b");
          assertThat(fleet.vm("loop", "b").getStatus().getConditions())
              .extracting(Condition::getType)
              .doesNotContain("StartOrder");
        });
  }

  @Test
  void aLowerTierFailsOverOnlyOnceTheHigherTiersVmIsReadyForItsPostReadyDelay() {
    fleet.editHost("pacific", spec -> spec.setUnschedulable(true));
    standalone(
        "tiers",
        "dns",
        """
        highAvailability:
          priority: High
          readiness: {readyWhen: Running, postReadyDelaySeconds: 3}""");
    standalone("tiers", "app", "highAvailability: {priority: Low}");
    eventually(
        () -> {
          for (String name : List.of("dns", "app")) {
            assertThat(fleet.vm("tiers", name).getStatus().getHost()).isEqualTo("atlantic");
          }
        });
    fleet.editHost("pacific", spec -> spec.setUnschedulable(false));

    fleet.agents.crash("atlantic");
    eventually(
        () -> {
          VirtualMachine app = fleet.vm("tiers", "app");
          assertThat(app.getStatus().getPhase()).isEqualTo("Running");
          assertThat(app.getStatus().getHost()).isEqualTo("pacific");
        });
    VirtualMachine dns = fleet.vm("tiers", "dns");
    assertThat(dns.getStatus().getHost()).isEqualTo("pacific");
    assertThat(java.time.Duration.between(readySince(dns), readySince(fleet.vm("tiers", "app"))))
        .as("app waited for dns's postReadyDelay of 3 s")
        .isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(fleet.eventReasons("tiers", "app")).contains("WaitingForPriorityTier", "FailedOver");
    fleet.agents.recover("atlantic");
  }
}
