package io.vmha.demo;

import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discovery documents kubectl reads before anything else ({@code /api}, {@code /apis} and one
 * resource list per group version), which the mock server does not serve by itself: with them,
 * {@code kubectl get vmha} works against the demo's embedded API server.
 */
final class Discovery {
  private static final List<String> VERBS =
      List.of("create", "delete", "get", "list", "patch", "update", "watch");

  private Discovery() {}

  static void serve(KubernetesMockServer server) {
    Map<String, List<APIResource>> groups = new LinkedHashMap<>();
    groups.put(
        "vmha.io/v1alpha1",
        List.of(
            resource("vmhosts", "VmHost", false, "vmh"),
            resource("storagerepositories", "StorageRepository", false, "vmrepo"),
            resource("vmtemplates", "VmTemplate", true, "vmtpl"),
            resource("virtualmachines", "VirtualMachine", true, "havm"),
            subresource("vmhosts/status", "VmHost", false),
            subresource("storagerepositories/status", "StorageRepository", false),
            subresource("vmtemplates/status", "VmTemplate", true),
            subresource("virtualmachines/status", "VirtualMachine", true)));
    groups.put("coordination.k8s.io/v1", List.of(resource("leases", "Lease", true, null)));
    groups.put("events.k8s.io/v1", List.of(resource("events", "Event", true, "ev")));
    groups.put(
        "apiextensions.k8s.io/v1",
        List.of(resource("customresourcedefinitions", "CustomResourceDefinition", false, "crd")));

    var apis = new APIGroupListBuilder();
    for (var entry : groups.entrySet()) {
      String[] gv = entry.getKey().split("/");
      var version =
          new GroupVersionForDiscoveryBuilder()
              .withGroupVersion(entry.getKey())
              .withVersion(gv[1])
              .build();
      apis.addToGroups(
          new APIGroupBuilder()
              .withName(gv[0])
              .withVersions(version)
              .withPreferredVersion(version)
              .build());
      expect(
          server,
          "/apis/" + entry.getKey(),
          new APIResourceListBuilder()
              .withGroupVersion(entry.getKey())
              .withResources(entry.getValue())
              .build());
    }
    expect(server, "/apis", apis.build());
    expect(server, "/api", new APIVersionsBuilder().withVersions("v1").build());
    expect(
        server,
        "/api/v1",
        new APIResourceListBuilder()
            .withGroupVersion("v1")
            .withResources(
                resource("namespaces", "Namespace", false, "ns"),
                resource("events", "Event", true, "ev"))
            .build());
  }

  private static void expect(KubernetesMockServer server, String path, Object body) {
    // the mock matches the query string too; kubectl asks with its request timeout
    for (String query : List.of("", "?timeout=32s")) {
      server
          .expect()
          .get()
          .withPath(path + query)
          .andReturn(200, Serialization.asJson(body))
          .withHeader("Content-Type", "application/json")
          .always();
    }
  }

  private static APIResource resource(
      String plural, String kind, boolean namespaced, String shortName) {
    List<String> shortNames = new ArrayList<>();
    if (shortName != null) {
      shortNames.add(shortName);
    }
    return new APIResourceBuilder()
        .withName(plural)
        .withSingularName(kind.toLowerCase())
        .withKind(kind)
        .withNamespaced(namespaced)
        .withVerbs(VERBS)
        .withShortNames(shortNames)
        .withCategories(
            plural.equals("vmhosts")
                    || plural.equals("storagerepositories")
                    || plural.equals("vmtemplates")
                    || plural.equals("virtualmachines")
                ? List.of("vmha")
                : List.of())
        .build();
  }

  private static APIResource subresource(String name, String kind, boolean namespaced) {
    return new APIResourceBuilder()
        .withName(name)
        .withKind(kind)
        .withNamespaced(namespaced)
        .withVerbs("get", "patch", "update")
        .withSingularName("")
        .build();
  }
}
