package io.vmha.kube;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.ImageRef;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmhaApi;
import java.time.Duration;
import java.util.List;

/**
 * Whether the API server admits new VirtualMachines with the chart's finalizer policy in force.
 *
 * <p>For a few seconds after the vmha CRDs first appear, an API server with a
 * MutatingAdmissionPolicy on VirtualMachines refuses their creation with 503 ("Resource kind ...
 * not found. There can be a delay between when CustomResourceDefinitions are created and when they
 * are available"): the policy needs the kind's schema, which kube-apiserver learns from its own
 * OpenAPI every 5 s, and the refusal is returned whatever the policy's failurePolicy. A script that
 * creates VMs right after {@code helm install} waits here first.
 */
public final class VmAdmission {
  /** The name of the chart's policy ends so (its release's full name comes first). */
  public static final String POLICY_SUFFIX = "-vm-finalizer";

  private VmAdmission() {}

  /**
   * Waits until the API server admits a new VM in {@code namespace} as it will from now on: a
   * server-side dry run is not refused, and carries the finalizer if the chart's policy is
   * installed (the API server takes a moment to put a new policy in force, too). Returns whether
   * the policy is in force; throws if that is not so after {@code patience}.
   */
  public static boolean awaitReady(KubernetesClient client, String namespace, Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    boolean installed = policyInstalled(client);
    while (true) {
      String notYet;
      try {
        VirtualMachine admitted =
            client
                .resources(VirtualMachine.class)
                .inNamespace(namespace)
                .resource(probe())
                .dryRun()
                .create();
        List<String> finalizers = admitted.getMetadata().getFinalizers();
        boolean carries = finalizers != null && finalizers.contains(VmhaApi.VM_FINALIZER);
        if (carries || !installed) {
          return carries;
        }
        notYet = "the finalizer policy is installed but not yet in force";
      } catch (KubernetesClientException e) {
        if (e.getCode() != 503) {
          throw e;
        }
        notYet = e.getMessage();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "new VMs are not admitted as they will be after " + patience + ": " + notYet);
      }
      Thread.sleep(500);
    }
  }

  /** Whether a MutatingAdmissionPolicy of the chart's ({@code <release>-vm-finalizer}) exists. */
  private static boolean policyInstalled(KubernetesClient client) {
    try {
      return client
          .genericKubernetesResources("admissionregistration.k8s.io/v1", "MutatingAdmissionPolicy")
          .list()
          .getItems()
          .stream()
          .anyMatch(p -> p.getMetadata().getName().endsWith(POLICY_SUFFIX));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false; // before Kubernetes 1.36: no such API, so no such policy
      }
      throw e;
    }
  }

  private static VirtualMachine probe() {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName("vmha-admission-probe").build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setRunning(false);
    ImageRef image = new ImageRef();
    image.setRepository("vmha-admission-probe");
    image.setPath("probe.qcow2");
    spec.setImage(image);
    spec.setCpus(1);
    spec.setMemoryMiB(512L);
    vm.setSpec(spec);
    return vm;
  }
}
