package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmTemplate;
import io.vmha.core.model.FencingPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator is killed in the middle of a failover and started again: it rebuilds its view from
 * the API and finishes the job with no second instance, no lost VM and no reused instance number.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorRestartTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536).host("indian", 16, 65536);
    fleet.sharedRepository("zos");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: sles10template, namespace: seed}
        spec: {image: {repository: zos, path: images/sles10.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void aRestartedOperatorFailsOverWhatFailedWhileItWasDownWithoutReusingANumber() throws Exception {
    List<String> names = List.of("a", "b", "c", "d", "e", "f");
    for (String name : names) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: seed}
          spec: {templateRef: {name: sles10template}}
          """
              .formatted(name));
    }
    eventually(
        () ->
            names.forEach(
                n -> assertThat(fleet.vm("seed", n).getStatus().getPhase()).isEqualTo("Running")));
    Set<String> handedOut = new HashSet<>();
    names.forEach(n -> handedOut.add(fleet.vm("seed", n).getStatus().getInstanceName()));
    assertThat(handedOut).hasSize(6);
    String lost = fleet.vm("seed", "a").getStatus().getHost();

    fleet.operator.close(); // the operator dies, and while it is down a host crashes
    fleet.agents.crash(lost);
    // a previous incarnation advanced the counter and died before using the number
    client
        .resources(VmTemplate.class)
        .inNamespace("seed")
        .withName("sles10template")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"instanceCounter\":"
                + (fleet.template("seed", "sles10template").getStatus().getInstanceCounter() + 1)
                + "}}");
    long skipped = fleet.template("seed", "sles10template").getStatus().getInstanceCounter();

    try (VmhaOperator restarted =
        new VmhaOperator(
                client,
                new OperatorOptions(
                    Fleet.fastSettings(FencingPolicy.SelfFence),
                    true,
                    "vmha-operator",
                    Fleet.LEASES,
                    "replica-a",
                    -1,
                    false),
                MockApi::withoutServerSideApply)
            .start()) {
      eventually(
          () -> {
            for (String name : names) {
              VirtualMachine vm = fleet.vm("seed", name);
              assertThat(vm.getStatus().getPhase()).as(name).isEqualTo("Running");
              assertThat(vm.getStatus().getHost()).as(name).isNotEqualTo(lost);
            }
          });
      Set<String> now = new HashSet<>();
      for (String name : names) {
        VirtualMachine vm = fleet.vm("seed", name);
        now.add(vm.getStatus().getInstanceName());
        assertThat(fleet.agents.runs(vm.getStatus().getHost(), vm.getStatus().getInstanceName()))
            .isTrue();
      }
      assertThat(now).as("one instance per VM").hasSize(6);
      for (String name : now) {
        if (!handedOut.contains(name)) {
          long number = Long.parseLong(name.substring("sles10template-".length()));
          assertThat(number)
              .as("numbers handed out after the restart skip the one lost with it")
              .isGreaterThan(skipped);
        }
      }
    }
  }
}
