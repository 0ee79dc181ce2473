package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * An API server inside the process, so the demo and the benchmark need no cluster: Fabric8's mock
 * server in CRUD mode, with the vmha CRDs installed. It keeps objects, status subresources, watches
 * and optimistic locking on updates; it has no server-side apply, no admission and no RBAC (see
 * DEPENDENCIES.md), which the end-to-end suite covers on a real kube-apiserver.
 */
public final class EmbeddedApiServer implements ApiTarget {
  /**
   * The mock server logs every request at INFO through java.util.logging; kept so the level sticks.
   */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private EmbeddedApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  public static EmbeddedApiServer start() {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    KubernetesMockServer server = startCrudServer();
    allowLeaderElection(server);
    EmbeddedApiServer api = new EmbeddedApiServer(server);
    Crds.install(api.client, false);
    Discovery.serve(server);
    return api;
  }

  /**
   * A started mock server in CRUD mode whose failed JSON patches get 422 ({@link
   * ApiServerDispatcher}), with nothing installed yet.
   */
  public static KubernetesMockServer startCrudServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new ApiServerDispatcher(responses),
            false);
    server.init();
    return server;
  }

  /** Leader election first asks what it may do; the mock answers 422, so answer "everything". */
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

  @Override
  public String describe() {
    return "an API server in this process (the Fabric8 mock server, CRUD mode)";
  }

  @Override
  public void adapt(ConfigurationServiceOverrider o) {
    withoutServerSideApply(o);
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  public String url() {
    return client.getConfiguration().getMasterUrl();
  }

  /** What the operator must not use against this server: server-side apply. */
  public static void withoutServerSideApply(ConfigurationServiceOverrider o) {
    o.withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false);
  }

  /**
   * A kubeconfig for kubectl: the embedded server has no authentication and a self-signed
   * certificate.
   */
  @Override
  public Path writeKubeconfig(Path file) throws IOException {
    String config =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: vmha-demo
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        users:
        - name: vmha-demo
          user:
            token: demo
        contexts:
        - name: vmha-demo
          context:
            cluster: vmha-demo
            user: vmha-demo
            namespace: demo
        current-context: vmha-demo
        """
            .formatted(url());
    Files.writeString(file, config);
    return file;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
