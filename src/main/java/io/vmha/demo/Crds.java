package io.vmha.demo;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Installs the vmha CRDs the build generated (they are in the jar) into an API server. */
public final class Crds {
  static final List<String> PLURALS =
      List.of("vmhosts", "storagerepositories", "vmtemplates", "virtualmachines");

  private Crds() {}

  public static void install(KubernetesClient client, boolean waitUntilEstablished) {
    install(client, waitUntilEstablished ? Duration.ofSeconds(30) : null);
  }

  /**
   * Creates or updates the CRDs; with {@code establishedWithin}, waits that long for each to be
   * Established (a real API server), else returns at once (the mock server).
   */
  public static void install(KubernetesClient client, Duration establishedWithin) {
    for (String plural : PLURALS) {
      String resource = "META-INF/fabric8/" + plural + ".vmha.io-v1.yml";
      try (InputStream in = Crds.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException(
              resource + " is not on the classpath: build with ./mvnw package");
        }
        CustomResourceDefinition crd =
            client.apiextensions().v1().customResourceDefinitions().load(in).item();
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd)
            .createOr(c -> c.update());
        if (establishedWithin != null) {
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .waitUntilCondition(
                  c ->
                      c.getStatus() != null
                          && c.getStatus().getConditions() != null
                          && c.getStatus().getConditions().stream()
                              .anyMatch(
                                  x ->
                                      "Established".equals(x.getType())
                                          && "True".equals(x.getStatus())),
                  establishedWithin.toMillis(),
                  TimeUnit.MILLISECONDS);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + resource, e);
      }
    }
  }
}
