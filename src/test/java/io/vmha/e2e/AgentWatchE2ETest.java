package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.agent.InformerClusterView;
import io.vmha.api.ImageRef;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host agent's view of its VMs on a real API server: the field selectors {@code status.host} and
 * {@code status.migration.targetHost} (selectable fields of the CRD) bring a VM to its host's agent
 * with the status write that places it, and take it away when it moves, with no label involved.
 */
class AgentWatchE2ETest {
  static final String NAMESPACE = "watch";
  static final String LEASES = "vmha-system";
  static RealApiServer api;

  @BeforeAll
  static void start() {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NAMESPACE);
    api.createNamespace(LEASES);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void anAgentSeesExactlyTheVmsWhoseStatusNamesItsHost() {
    createVm("db");
    createVm("web");
    try (InformerClusterView h1 = InformerClusterView.forHost(api.admin(), LEASES, "w1").start();
        InformerClusterView h2 = InformerClusterView.forHost(api.admin(), LEASES, "w2").start()) {
      AtomicInteger h1Changes = new AtomicInteger();
      h1.subscribe("w1", h1Changes::incrementAndGet);

      setStatus("db", "{\"host\":\"w1\",\"instanceName\":\"db\",\"phase\":\"Starting\"}");
      setStatus("web", "{\"host\":\"w2\",\"instanceName\":\"web\",\"phase\":\"Starting\"}");
      eventually(
          () -> {
            assertThat(names(h1.placedOn("w1"))).containsExactly("db");
            assertThat(names(h2.placedOn("w2"))).containsExactly("web");
            assertThat(h1Changes).hasPositiveValue();
          });
      assertThat(names(h1.listPlacedOnFromApi("w1"))).containsExactly("db");

      // a live migration of db to w2: the target's agent sees it by status.migration.targetHost
      setStatus(
          "db",
          "{\"phase\":\"Migrating\",\"migration\":{\"sourceHost\":\"w1\",\"targetHost\":\"w2\","
              + "\"cause\":\"Maintenance\"}}");
      eventually(() -> assertThat(names(h2.migratingTo("w2"))).containsExactly("db"));
      assertThat(names(h1.placedOn("w1"))).containsExactly("db");

      // the migration completes: db leaves w1's view and joins w2's
      int before = h1Changes.get();
      setStatus("db", "{\"host\":\"w2\",\"phase\":\"Running\",\"migration\":null}");
      eventually(
          () -> {
            assertThat(h1.placedOn("w1")).isEmpty();
            assertThat(names(h2.placedOn("w2"))).containsExactlyInAnyOrder("db", "web");
            assertThat(h2.migratingTo("w2")).isEmpty();
            assertThat(h1Changes.get()).as("w1's agent is told db left").isGreaterThan(before);
          });
      assertThat(h1.listPlacedOnFromApi("w1")).isEmpty();
    }
    // what an operator types to see a host's VMs
    Tools.Result listed =
        api.kubectl(
            "get", "havm", "-n", NAMESPACE, "--field-selector", "status.host=w2", "-o", "name");
    assertThat(listed.ok()).as(listed.output()).isTrue();
    assertThat(listed.stdout()).contains("virtualmachine.vmha.io/db", "virtualmachine.vmha.io/web");
  }

  private static void createVm(String name) {
    VirtualMachine vm = new VirtualMachine();
    vm.getMetadata().setName(name);
    vm.getMetadata().setNamespace(NAMESPACE);
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setImage(new ImageRef("shared", "images/" + name + ".qcow2"));
    spec.setCpus(1);
    spec.setMemoryMiB(512L);
    vm.setSpec(spec);
    api.admin().resource(vm).create();
  }

  private static void setStatus(String vm, String statusJson) {
    api.admin()
        .resources(VirtualMachine.class)
        .inNamespace(NAMESPACE)
        .withName(vm)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
  }

  private static List<String> names(List<VirtualMachine> vms) {
    return vms.stream().map(v -> v.getMetadata().getName()).toList();
  }
}
