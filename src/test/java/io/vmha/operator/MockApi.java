package io.vmha.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the Fabric8 mock server needs to stand in for an API server in operator tests. */
public final class MockApi {
  private MockApi() {}

  /** The mock keeps status apart from spec only for kinds whose CRD it knows. */
  public static void installCrds(KubernetesClient client) throws IOException {
    Path crds = Path.of(System.getProperty("vmha.projectDir", ".")).resolve("crds");
    try (Stream<Path> files = Files.list(crds)) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd =
              client.apiextensions().v1().customResourceDefinitions().load(in).item();
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .resource(crd)
              .createOr(c -> c.update());
        }
      }
    }
  }

  /** JOSDK's leader election first asks what it may do; the mock answers that with 422. */
  public static void allowLeaderElection(KubernetesMockServer server) {
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                + "\"status\":{\"incomplete\":false,\"resourceRules\":[{\"verbs\":[\"*\"],"
                + "\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}],\"nonResourceRules\":[]}}")
        .always();
  }

  /** The mock has no server-side apply. */
  public static void withoutServerSideApply(ConfigurationServiceOverrider o) {
    o.withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false);
  }
}
