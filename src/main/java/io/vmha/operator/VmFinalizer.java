package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmhaApi;
import io.vmha.kube.Patches;
import java.util.ArrayList;
import java.util.List;

/**
 * The VM finalizer {@value VmhaApi#VM_FINALIZER} (L2), written by the operator itself and only on
 * VMs it places: it goes on in the plan that places the VM, just before the status write the agent
 * acts on, so no instance can start without it. A VM that never ran carries none and is deleted at
 * once. When the framework added it to every new VM, the cold start of a created fleet waited
 * behind one such write per VM queued in the framework before the VM could be planned at all.
 */
final class VmFinalizer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  VmFinalizer(KubernetesClient client) {
    this.client = client;
  }

  static boolean carries(VirtualMachine vm) {
    List<String> finalizers = vm.getMetadata().getFinalizers();
    return finalizers != null && finalizers.contains(VmhaApi.VM_FINALIZER);
  }

  /**
   * Adds the finalizer to the VM as {@code current} shows it, and returns the VM as written (its
   * new resource version is what the status write that follows must name). The merge patch names
   * the resource version it was made from, so a finalizer list someone else changed meanwhile is
   * never overwritten: that is a conflict (409), as it would be for the status write.
   */
  VirtualMachine add(VirtualMachine current) {
    List<String> finalizers = new ArrayList<>();
    if (current.getMetadata().getFinalizers() != null) {
      finalizers.addAll(current.getMetadata().getFinalizers());
    }
    finalizers.add(VmhaApi.VM_FINALIZER);
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("resourceVersion", current.getMetadata().getResourceVersion());
    ArrayNode list = metadata.putArray("finalizers");
    finalizers.forEach(list::add);
    ObjectNode patch = JSON.createObjectNode();
    patch.set("metadata", metadata);
    return Patches.target(
            client,
            VirtualMachine.class,
            current.getMetadata().getNamespace(),
            current.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
  }

  /**
   * Removes the finalizer once no instance of the deleted VM can run anywhere. The JSON patch tests
   * that the entry it removes is still ours, so a list changed meanwhile fails the patch (422)
   * rather than losing another controller's finalizer; the next cleanup pass tries again. Returns
   * whether it is gone.
   */
  boolean remove(VirtualMachine vm) {
    List<String> finalizers = vm.getMetadata().getFinalizers();
    int index = finalizers == null ? -1 : finalizers.indexOf(VmhaApi.VM_FINALIZER);
    if (index < 0) {
      return true;
    }
    ArrayNode patch = JSON.createArrayNode();
    String path = "/metadata/finalizers/" + index;
    patch.addObject().put("op", "test").put("path", path).put("value", VmhaApi.VM_FINALIZER);
    patch.addObject().put("op", "remove").put("path", path);
    try {
      Patches.target(
              client,
              VirtualMachine.class,
              vm.getMetadata().getNamespace(),
              vm.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), patch.toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return true;
      }
      if (e.getCode() == 409 || e.getCode() == 422) {
        return false;
      }
      throw e;
    }
  }
}
