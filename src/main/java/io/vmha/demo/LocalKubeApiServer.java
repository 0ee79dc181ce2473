package io.vmha.demo;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd on localhost, started from the binaries {@code
 * hack/build-k8s-binaries.sh} builds into {@code ~/.kubeapitest} (or {@code $KUBE_API_TEST_DIR}):
 * real schema validation, CEL rules, optimistic locking and server-side apply.
 */
public final class LocalKubeApiServer implements ApiTarget {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(LocalKubeApiServer.class);
  private static final int START_ATTEMPTS = 3;
  private static final java.time.Duration START_TIMEOUT = java.time.Duration.ofSeconds(90);

  private final KubeAPIServer server;
  private final KubernetesClient client;
  private final String kubeconfig;
  private final String version;

  private LocalKubeApiServer(KubeAPIServer server, String kubeconfig, String version) {
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.version = version;
    this.client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  /** The directory holding kube-apiserver, etcd and kubectl, if they were built. */
  public static Optional<Path> binaries() {
    String dir = System.getenv("KUBE_API_TEST_DIR");
    Path root =
        (dir == null || dir.isBlank()
                ? Path.of(System.getProperty("user.home"), ".kubeapitest")
                : Path.of(dir))
            .resolve("k8s");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .filter(p -> p.getFileName().toString().matches("\\d+\\.\\d+\\.\\d+-linux-.*"))
          .filter(
              p ->
                  Stream.of("kube-apiserver", "etcd", "kubectl")
                      .allMatch(b -> Files.isExecutable(p.resolve(b))))
          .max(Comparator.comparing(p -> p.getFileName().toString()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static LocalKubeApiServer start() {
    Path binaries =
        binaries()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no kube-apiserver under ~/.kubeapitest/k8s: build it with hack/build-k8s-binaries.sh"));
    String version = version(binaries);
    KubeAPIServer server = startProcesses(binaries);
    LocalKubeApiServer api = new LocalKubeApiServer(server, server.getKubeConfigYaml(), version);
    Crds.install(api.client, true);
    for (String namespace : new String[] {DemoFleet.NAMESPACE, Demo.LEASES}) {
      api.client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .createOr(n -> n.update());
    }
    return api;
  }

  /** The Kubernetes version of a binaries directory named {@code <version>-linux-<arch>}. */
  public static String version(Path binaries) {
    return binaries.getFileName().toString().split("-")[0];
  }

  /**
   * Starts etcd and kube-apiserver from {@code binaries} (a {@code
   * <dir>/k8s/<version>-linux-<arch>} directory, as {@link #binaries} finds), ready to use; the
   * caller stops them. The demo and the end-to-end tests start their API servers here.
   *
   * <p>A start that does not get ready within 90 s is tried again, up to three times, with new
   * ports: kube-api-test picks each port by binding it and letting it go, from a range that
   * overlaps the kernel's ephemeral ports, so on a busy machine an outgoing connection can take the
   * port before etcd or the API server binds it, and the server then never gets ready.
   */
  public static KubeAPIServer startProcesses(Path binaries) {
    for (int attempt = 1; ; attempt++) {
      // Offline in code: kube-api-test 7.5.2 cannot read its boolean settings from the environment.
      KubeAPIServer server =
          new KubeAPIServer(
              KubeAPIServerConfigBuilder.anAPIServerConfig()
                  .withTestDir(binaries.getParent().getParent().toString())
                  .withApiServerVersion(version(binaries))
                  .withOfflineMode(true)
                  .withUpdateKubeConfig(false)
                  .withStartupTimeout((int) START_TIMEOUT.toMillis())
                  .build());
      try {
        server.start();
        return server;
      } catch (KubeAPITestException e) {
        try {
          server.stop();
        } catch (RuntimeException cleanup) {
          // a start that failed early leaves nothing to clean (no etcd data directory yet), and
          // kube-api-test's stop then throws: the next attempt must still run
          LOG.warn("kube-apiserver start {}: cleaning up after it failed: {}", attempt, cleanup);
        }
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
        LOG.warn("kube-apiserver start {} of {} failed, again: {}", attempt, START_ATTEMPTS, e);
      }
    }
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public void adapt(ConfigurationServiceOverrider overrider) {
    // a real API server: server-side apply and everything else as in a cluster
  }

  @Override
  public Path writeKubeconfig(Path file) throws IOException {
    Files.writeString(file, kubeconfig);
    return file;
  }

  @Override
  public String describe() {
    return "a real kube-apiserver " + version + " and etcd on localhost";
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
