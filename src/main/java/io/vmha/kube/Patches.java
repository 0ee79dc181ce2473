package io.vmha.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * Patches that are one request. Fabric8's {@code withName(..).patch(PatchContext, String)} reads
 * the object from the server first when the operation holds no object ({@code
 * getItemOrRequireFromServer}), so every heartbeat renewal, agent report and status patch cost a
 * GET before its PATCH: twice the requests on the heartbeats' priority level, and half of a
 * renewal's time under load. A patch names its target by an object holding nothing but kind, name
 * and namespace, which the patch body does not come from.
 */
public final class Patches {
  private Patches() {}

  /** The resource {@code namespace/name} (namespace null for cluster-scoped kinds), to patch. */
  public static <T extends HasMetadata> Resource<T> target(
      KubernetesClient client, Class<T> type, String namespace, String name) {
    T stub;
    try {
      stub = type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(type + " has no public no-argument constructor", e);
    }
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName(name);
    metadata.setNamespace(namespace);
    stub.setMetadata(metadata);
    return namespace == null ? client.resource(stub) : client.resource(stub).inNamespace(namespace);
  }
}
