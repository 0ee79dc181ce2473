package io.vmha.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd on loopback, started from the binaries {@code
 * hack/build-k8s-binaries.sh} builds (default {@code ~/} and {@link
 * BenchOptions#DEFAULT_K8S_BINARIES}), with certificates made by openssl and an admin client
 * certificate in {@code system:masters}. The flags are those of {@code
 * hack/README-k8s-binaries.md}. Everything lives in a temporary directory that is deleted on close.
 *
 * <p>The demo and the tests start theirs with kube-api-test ({@link
 * io.vmha.demo.LocalKubeApiServer#startProcesses}); the benchmark cannot: it runs etcd without
 * fsync and with a larger quota, and the API server with higher in-flight limits, so that a fleet
 * of thousands of VMs measures the operator rather than this machine's disk, and kube-api-test
 * builds etcd's command line itself.
 */
final class RealApiServer implements BenchApi {
  static final String DEFAULT_DIR =
      System.getProperty("user.home") + "/" + BenchOptions.DEFAULT_K8S_BINARIES;

  private final Path dir;
  private final Process etcd;
  private final Process apiserver;
  private final Config config;
  private boolean closed;

  /** Why the real API server cannot run here, or null if its binaries and openssl are there. */
  static String unavailable(Path binaries) {
    for (String binary : List.of("etcd", "kube-apiserver")) {
      if (!Files.isExecutable(binaries.resolve(binary))) {
        return binaries.resolve(binary) + " is missing: build it with hack/build-k8s-binaries.sh";
      }
    }
    try {
      if (new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor()
          != 0) {
        return "openssl does not run";
      }
    } catch (IOException | InterruptedException e) {
      return "openssl is not installed";
    }
    return null;
  }

  private RealApiServer(Path binaries) throws IOException, InterruptedException {
    dir = Files.createTempDirectory("vmha-bench-k8s");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        "apiserver.key",
        "-out",
        "apiserver.crt",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        "client.key",
        "-out",
        "client.crt",
        "-subj",
        "/O=system:masters/CN=vmha-bench");
    int etcdClient = freePort();
    int etcdPeer = freePort();
    int secure = freePort();
    etcd =
        start(
            "etcd",
            new ProcessBuilder(
                binaries.resolve("etcd").toString(),
                "--data-dir",
                dir.resolve("etcd-data").toString(),
                "--wal-dir",
                dir.resolve("etcd-wal").toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + etcdClient,
                "--advertise-client-urls",
                "http://127.0.0.1:" + etcdClient,
                "--initial-cluster",
                "default=http://127.0.0.1:" + etcdPeer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + etcdPeer,
                "--listen-peer-urls",
                "http://127.0.0.1:" + etcdPeer,
                "--unsafe-no-fsync",
                "--quota-backend-bytes",
                String.valueOf(8L << 30)));
    apiserver =
        start(
            "kube-apiserver",
            new ProcessBuilder(
                binaries.resolve("kube-apiserver").toString(),
                "--cert-dir",
                dir.toString(),
                "--bind-address",
                "127.0.0.1",
                "--secure-port",
                String.valueOf(secure),
                "--etcd-servers",
                "http://127.0.0.1:" + etcdClient,
                "--authorization-mode",
                "RBAC",
                "--service-account-issuer",
                "https://localhost",
                "--service-account-signing-key-file",
                dir.resolve("apiserver.key").toString(),
                "--service-account-key-file",
                dir.resolve("apiserver.key").toString(),
                "--disable-admission-plugins",
                "ServiceAccount",
                "--client-ca-file",
                dir.resolve("client.crt").toString(),
                "--service-cluster-ip-range",
                "10.0.0.0/24",
                "--allow-privileged",
                "--max-requests-inflight",
                "800",
                "--max-mutating-requests-inflight",
                "400"));
    config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("https://127.0.0.1:" + secure)
            .withCaCertFile(dir.resolve("apiserver.crt").toString())
            .withClientCertFile(dir.resolve("client.crt").toString())
            .withClientKeyFile(dir.resolve("client.key").toString())
            .withRequestTimeout(30_000)
            .build();
  }

  static RealApiServer start(Path binaries, Consumer<String> progress) throws Exception {
    RealApiServer server = new RealApiServer(binaries);
    // a benchmark stopped with Ctrl-C or kill must not leave etcd and kube-apiserver behind
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "vmha-bench-k8s-stop"));
    try {
      server.awaitReady(progress);
      return server;
    } catch (Exception e) {
      server.close();
      throw e;
    }
  }

  private void awaitReady(Consumer<String> progress) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    try (KubernetesClient client = client(null)) {
      while (true) {
        if (!apiserver.isAlive() || !etcd.isAlive()) {
          throw new IllegalStateException("kube-apiserver or etcd exited; logs in " + dir);
        }
        try {
          if (client.namespaces().withName("default").get() != null) {
            break;
          }
        } catch (RuntimeException e) {
          // not up yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("kube-apiserver not ready within 90 s; logs in " + dir);
        }
        Thread.sleep(250);
      }
      progress.accept(
          "kube-apiserver "
              + client.getKubernetesVersion().getGitVersion()
              + " ready at "
              + config.getMasterUrl());
      io.vmha.demo.Crds.install(client, Duration.ofSeconds(60));
      Thread.sleep(1000); // discovery of the new kinds
    }
  }

  @Override
  public String name() {
    return "real (kube-apiserver + etcd)";
  }

  @Override
  public Config config() {
    return config;
  }

  @Override
  public Consumer<ConfigurationServiceOverrider> operatorOverrides() {
    return o -> {};
  }

  @Override
  public long[] serverPids() {
    return new long[] {apiserver.pid(), etcd.pid()};
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : List.of(apiserver, etcd)) {
      if (p != null) {
        p.destroy();
        try {
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind
    }
  }

  private Process start(String name, ProcessBuilder builder) throws IOException {
    builder.directory(dir.toFile());
    builder.redirectErrorStream(true);
    builder.redirectOutput(dir.resolve(name + ".log").toFile());
    return builder.start();
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          "openssl failed: " + Files.readString(dir.resolve("openssl.log")));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
