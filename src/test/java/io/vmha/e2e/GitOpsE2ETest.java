package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmhaApi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What Argo CD and Flux do: server-side apply of the VM from Git as their own field manager, again
 * and again. The operator's field (status; it writes nothing else of a VM but its finalizer) must
 * survive those applies, the applies must never conflict with the operator, and re-applying an
 * unchanged spec must not make the operator write anything.
 */
class GitOpsE2ETest {
  static final String NAMESPACE = "gitops";
  static final String MANAGER = "argocd";
  static ChartedFleet fleet;

  @BeforeAll
  static void install() throws Exception {
    // with the VM finalizer policy (1.36+): an apply that names no finalizer must not take it away
    fleet = ChartedFleet.install(List.of("vmFinalizerAtCreation=auto"));
    fleet.api.createNamespace(NAMESPACE);
    fleet.apply(
        null,
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: g1}
        spec: {capacity: {cpus: 8, memoryMiB: 16384}}
        ---
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: g-nfs}
        spec: {type: Shared, url: "nfs://filer/export", mountPath: /var/lib/vmha/repositories/g-nfs}
        """);
    fleet.agent("g1");
  }

  @AfterAll
  static void uninstall() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private static final String APP =
      """
      apiVersion: vmha.io/v1alpha1
      kind: VirtualMachine
      metadata:
        name: %s
        namespace: gitops
        labels:
          app.kubernetes.io/instance: fleet
        annotations:
          argocd.argoproj.io/tracking-id: "fleet:vmha.io/VirtualMachine:gitops/%1$s"
      spec:
        image: {repository: g-nfs, path: images/app.qcow2}
        cpus: 2
        memoryMiB: 2048
        running: true
        highAvailability: {enabled: true, priority: %s}
      """;

  /** Server-side apply as Argo CD does it (its own field manager; no force unless told to). */
  private static GenericKubernetesResource applyAsArgo(String name, String priority) {
    GenericKubernetesResource desired =
        Serialization.unmarshal(APP.formatted(name, priority), GenericKubernetesResource.class);
    return fleet.api.admin().resource(desired).fieldManager(MANAGER).serverSideApply();
  }

  private static VirtualMachine vm(String name) {
    return fleet
        .api
        .admin()
        .resources(VirtualMachine.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  /** Waits until the VM runs and then until nothing about it has changed for a while. */
  private static VirtualMachine settled(String name) throws InterruptedException {
    eventually(() -> assertThat(vm(name).getStatus().getPhase()).isEqualTo("Running"));
    Duration quiet = ChartedFleet.FAST.heartbeatInterval().multipliedBy(10);
    String version = vm(name).getMetadata().getResourceVersion();
    for (int i = 0; i < 20; i++) {
      Thread.sleep(quiet.toMillis());
      String now = vm(name).getMetadata().getResourceVersion();
      if (now.equals(version)) {
        return vm(name);
      }
      version = now;
    }
    throw new AssertionError("VM " + name + " kept changing");
  }

  @Test
  void reapplyingAnUnchangedSpecCausesNoStatusChurn() throws Exception {
    applyAsArgo("steady", "High");
    VirtualMachine before = settled("steady");

    GenericKubernetesResource reapplied = applyAsArgo("steady", "High");
    assertThat(reapplied.getMetadata().getResourceVersion())
        .as("an identical server-side apply is a no-op on the server")
        .isEqualTo(before.getMetadata().getResourceVersion());
    // A few dozen heartbeats: the operator must not write the VM again.
    Thread.sleep(ChartedFleet.FAST.heartbeatInterval().multipliedBy(15).toMillis());
    VirtualMachine after = vm("steady");
    assertThat(after.getMetadata().getResourceVersion())
        .isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(Serialization.asJson(after.getStatus()))
        .isEqualTo(Serialization.asJson(before.getStatus()));
    assertThat(after.getMetadata().getLabels()).containsOnlyKeys("app.kubernetes.io/instance");
    fleet.assertAgentsHealthy();
  }

  @Test
  void gitOwnsTheSpecAndTheOperatorOwnsStatus() throws Exception {
    applyAsArgo("owned", "Medium");
    VirtualMachine placed = settled("owned");
    long generation = placed.getMetadata().getGeneration();

    // Argo CD's fields: spec and its own metadata; never status.
    ManagedFieldsEntry argo = managedBy(placed, MANAGER, null);
    assertThat(argo.getOperation()).isEqualTo("Apply");
    String argoFields = Serialization.asJson(argo.getFieldsV1());
    assertThat(argoFields).contains("\"f:spec\"").doesNotContain("f:status");
    // The operator's fields: status (subresource); of the main resource only its finalizer.
    assertThat(placed.getMetadata().getManagedFields())
        .anySatisfy(m -> assertThat(m.getSubresource()).isEqualTo("status"))
        .allSatisfy(
            m -> {
              if (!MANAGER.equals(m.getManager())) {
                assertThat(Serialization.asJson(m.getFieldsV1())).doesNotContain("f:labels");
              }
            });

    // A change from Git, applied without force: no conflict with the operator's fields.
    applyAsArgo("owned", "Low");
    eventually(
        () -> {
          VirtualMachine vm = vm("owned");
          assertThat(vm.getMetadata().getGeneration()).isEqualTo(generation + 1);
          assertThat(vm.getStatus().getObservedGeneration()).isEqualTo(generation + 1);
          assertThat(vm.getSpec().getHighAvailability().getPriority()).hasToString("Low");
          assertThat(vm.getStatus().getHost()).isEqualTo("g1");
          // the apply names no finalizer, whether the chart's admission policy put it on at
          // creation or the operator did: it must not take it away (L2)
          assertThat(vm.getMetadata().getFinalizers()).containsExactly(VmhaApi.VM_FINALIZER);
        });
    // kstatus: Ready=True with the current generation is what Argo CD and Flux report as healthy.
    eventually(
        () ->
            assertThat(vm("owned").getStatus().getConditions())
                .anySatisfy(
                    c -> {
                      assertThat(c.getType()).isEqualTo("Ready");
                      assertThat(c.getStatus()).isEqualTo("True");
                    }));
    fleet.assertAgentsHealthy();
  }

  private static ManagedFieldsEntry managedBy(
      VirtualMachine vm, String manager, String subresource) {
    List<ManagedFieldsEntry> entries =
        vm.getMetadata().getManagedFields().stream()
            .filter(m -> manager.equals(m.getManager()))
            .filter(
                m ->
                    subresource == null
                        ? m.getSubresource() == null || m.getSubresource().isEmpty()
                        : subresource.equals(m.getSubresource()))
            .toList();
    assertThat(entries)
        .as("managedFields of %s in %s", manager, Map.of("vm", vm.getMetadata().getName()))
        .hasSize(1);
    return entries.get(0);
  }
}
