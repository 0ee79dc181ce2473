package io.vmha.bench;

import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;

/** What the API server makes of a client: who it is, and by which FlowSchema it is classified. */
final class ApiIdentity {
  private ApiIdentity() {}

  /** The username the API server gives a client (SelfSubjectReview, as kubectl auth whoami). */
  static String whoAmI(KubernetesClient client) {
    return client
        .resource(new SelfSubjectReviewBuilder().build())
        .create()
        .getStatus()
        .getUserInfo()
        .getUsername();
  }

  /**
   * Every FlowSchema's name by its UID: an answer names the FlowSchema that classified its request
   * by UID only ({@code X-Kubernetes-PF-FlowSchema-UID}).
   */
  static Map<String, String> flowSchemaNamesByUid(KubernetesClient admin) {
    Map<String, String> names = new HashMap<>();
    for (var schema :
        admin
            .genericKubernetesResources("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")
            .list()
            .getItems()) {
      names.put(schema.getMetadata().getUid(), schema.getMetadata().getName());
    }
    return names;
  }
}
