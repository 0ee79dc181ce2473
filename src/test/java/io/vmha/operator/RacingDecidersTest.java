package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.model.FencingPolicy;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * I5 even when two operators decide at once (a split brain leader election must never cause): the
 * template counter is advanced by compare-and-set, so no instance name is handed out twice. The
 * core's invariant checker judges the names the VMs end up with.
 */
class RacingDecidersTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;
  static VmhaOperator second;

  @BeforeAll
  static void start() throws Exception {
    server = MockApi.startRacingServer();
    client = server.createClient();
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    second =
        new VmhaOperator(
                client,
                new OperatorOptions(
                    Fleet.fastSettings(FencingPolicy.SelfFence),
                    false,
                    "vmha-operator",
                    Fleet.LEASES,
                    "replica-b",
                    -1,
                    false),
                MockApi::withoutServerSideApply)
            .start();
    fleet.host("atlantic", 64, 262144).host("pacific", 64, 262144);
    fleet.sharedRepository("zos");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: sles10template, namespace: race}
        spec: {image: {repository: zos, path: images/sles10.qcow2}, cpus: 1, memoryMiB: 512}
        """);
  }

  @AfterAll
  static void stop() {
    second.close();
    fleet.close();
    client.close();
    server.destroy();
  }

  static final java.time.Duration RACE_BUDGET = java.time.Duration.ofSeconds(90);

  @Test
  void twoDecidersNeverHandOutTheSameInstanceName() {
    List<String> names = IntStream.range(0, 20).mapToObj(i -> "vm-" + i).toList();
    for (String name : names) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: race}
          spec: {templateRef: {name: sles10template}}
          """
              .formatted(name));
    }
    // Both deciders write the hosts' status with a JSON patch that tests the phase it read; the
    // loser gets 422 and plans again. The stock mock server answered it with silence, and the
    // loser waited out its request timeout and Fabric8's retries: both deciders, each having won
    // one host, stood still for the whole 90 s in one CI run (MockApi.startRacingServer)
    eventually(
        RACE_BUDGET,
        () ->
            names.forEach(
                n ->
                    assertThat(fleet.vm("race", n).getStatus().getPhase())
                        .as(n)
                        .isEqualTo("Running")));
    List<VirtualMachine> vms = names.stream().map(n -> fleet.vm("race", n)).toList();
    assertThat(InvariantChecker.check(recorded(vms), InstanceNameHistory.EMPTY).violations())
        .as("I5")
        .isEmpty();
    long highest =
        vms.stream()
            .map(vm -> vm.getStatus().getInstanceName())
            .mapToLong(i -> Long.parseLong(i.substring("sles10template-".length())))
            .max()
            .orElseThrow();
    assertThat(fleet.template("race", "sles10template").getStatus().getInstanceCounter())
        .isGreaterThanOrEqualTo(highest);
  }

  /** The VMs as the API records them, and nothing else of the fleet: what I5 is judged on. */
  private static FleetFacts recorded(List<VirtualMachine> vms) {
    List<FleetFacts.Vm> facts =
        vms.stream()
            .map(
                vm ->
                    new FleetFacts.Vm(
                        "race/" + vm.getMetadata().getName(),
                        VmStatusViews.of(vm.getStatus()),
                        true,
                        false,
                        false))
            .toList();
    return new FleetFacts(
        FencingPolicy.SelfFence, List.of(), facts, new FleetFacts.Spm(null, Set.of(), null), null);
  }
}
