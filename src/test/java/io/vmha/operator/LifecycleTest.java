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

/** L1, L2, L4: what users try first: stop, start, resize and delete a VM. */
@EnableKubernetesMockClient(crud = true)
class LifecycleTest {
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

  private static void edit(
      String name, java.util.function.Consumer<io.vmha.api.VirtualMachineSpec> change) {
    io.vmha.kube.Conflicts.retry(
        () ->
            client
                .resources(VirtualMachine.class)
                .inNamespace("app")
                .withName(name)
                .edit(
                    vm -> {
                      change.accept(vm.getSpec());
                      return vm;
                    }));
  }

  @Test
  void runningFalseStopsTheInstanceAndTrueStartsItAgain() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: toggled, namespace: app}
        spec: {image: {repository: zos, path: images/t.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
    eventually(
        () -> assertThat(fleet.vm("app", "toggled").getStatus().getPhase()).isEqualTo("Running"));
    String host = fleet.vm("app", "toggled").getStatus().getHost();

    edit("toggled", spec -> spec.setRunning(false));
    eventually(
        () -> {
          var vm = fleet.vm("app", "toggled");
          assertThat(vm.getStatus().getPhase()).isEqualTo("Stopped");
          assertThat(vm.getStatus().getHost()).isNull();
          assertThat(fleet.agents.runs(host, "toggled")).isFalse();
        });

    edit("toggled", spec -> spec.setRunning(true));
    eventually(
        () -> assertThat(fleet.vm("app", "toggled").getStatus().getPhase()).isEqualTo("Running"));
  }

  @Test
  void resizingARunningVmTakesEffectAtItsNextStart() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: resized, namespace: app}
        spec: {image: {repository: zos, path: images/r.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
    eventually(
        () -> assertThat(fleet.vm("app", "resized").getStatus().getPhase()).isEqualTo("Running"));
    edit("resized", spec -> spec.setMemoryMiB(2048L));
    eventually(
        () ->
            assertThat(fleet.vm("app", "resized").getStatus().getConditions())
                .anySatisfy(
                    c -> {
                      assertThat(c.getType()).isEqualTo("RestartRequired");
                      assertThat(c.getStatus()).isEqualTo("True");
                      assertThat(c.getMessage()).contains("2048");
                    }));
    assertThat(fleet.vm("app", "resized").getStatus().getAppliedResources().getMemoryMiB())
        .isEqualTo(1024);
  }

  @Test
  void deletingAVmStopsItsInstanceBeforeTheObjectGoes() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: doomed, namespace: app}
        spec: {image: {repository: zos, path: images/d.qcow2}, cpus: 1, memoryMiB: 1024}
        """);
    eventually(
        () -> assertThat(fleet.vm("app", "doomed").getStatus().getPhase()).isEqualTo("Running"));
    String host = fleet.vm("app", "doomed").getStatus().getHost();
    assertThat(fleet.vm("app", "doomed").getMetadata().getFinalizers()).isNotEmpty();

    client.resources(VirtualMachine.class).inNamespace("app").withName("doomed").delete();
    eventually(
        () -> {
          assertThat(fleet.vm("app", "doomed")).isNull();
          assertThat(fleet.agents.runs(host, "doomed")).isFalse();
        });
  }

  @Test
  void noVersionOfAVmNamesAHostBeforeItCarriesTheFinalizer() {
    java.util.List<VirtualMachine> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (var watch =
        client
            .resources(VirtualMachine.class)
            .inNamespace("app")
            .watch(
                new io.fabric8.kubernetes.client.Watcher<>() {
                  @Override
                  public void eventReceived(Action action, VirtualMachine vm) {
                    if (vm.getMetadata().getName().equals("guarded")) {
                      seen.add(vm);
                    }
                  }

                  @Override
                  public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
                })) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: guarded, namespace: app}
          spec: {image: {repository: zos, path: images/g.qcow2}, cpus: 1, memoryMiB: 1024}
          """);
      eventually(
          () ->
              assertThat(seen)
                  .anySatisfy(
                      vm ->
                          assertThat(vm.getStatus())
                              .extracting(io.vmha.api.VirtualMachineStatus::getPhase)
                              .isEqualTo("Running")));
    }
    assertThat(seen)
        .filteredOn(vm -> vm.getStatus() != null && vm.getStatus().getHost() != null)
        .isNotEmpty()
        .allSatisfy(
            vm ->
                assertThat(vm.getMetadata().getFinalizers())
                    .contains(io.vmha.api.VmhaApi.VM_FINALIZER));
  }

  @Test
  void aVmThatNeverRanCarriesNoFinalizerAndIsDeletedAtOnce() {
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: idle, namespace: app}
        spec: {image: {repository: zos, path: images/i.qcow2}, cpus: 1, memoryMiB: 1024, running: false}
        """);
    eventually(
        () -> assertThat(fleet.vm("app", "idle").getStatus().getPhase()).isEqualTo("Stopped"));
    assertThat(fleet.vm("app", "idle").getMetadata().getFinalizers()).isNullOrEmpty();

    client.resources(VirtualMachine.class).inNamespace("app").withName("idle").delete();
    assertThat(fleet.vm("app", "idle")).isNull();
  }

  @Test
  void aTemplateInUseIsNotDeletedUntilItsVmsAreGone() {
    fleet.template("app", "base", 1, 512);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: user, namespace: app}
        spec: {templateRef: {name: base}}
        """);
    eventually(
        () -> assertThat(fleet.vm("app", "user").getStatus().getPhase()).isEqualTo("Running"));
    client.resources(io.vmha.api.VmTemplate.class).inNamespace("app").withName("base").delete();
    eventually(
        () ->
            assertThat(fleet.template("app", "base").getStatus().getConditions())
                .anySatisfy(
                    c -> {
                      assertThat(c.getType()).isEqualTo("InUse");
                      assertThat(c.getStatus()).isEqualTo("True");
                      assertThat(c.getMessage()).contains("app/user");
                    }));
    assertThat(fleet.template("app", "base").getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(fleet.vm("app", "user").getStatus().getPhase()).isEqualTo("Running");

    client.resources(VirtualMachine.class).inNamespace("app").withName("user").delete();
    eventually(() -> assertThat(fleet.template("app", "base")).isNull());
  }
}
