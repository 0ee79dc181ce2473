package io.vmha.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmha.demo.LocalKubeApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real kube-apiserver and etcd (Fabric8 kube-api-test, offline: the binaries must already be in
 * {@code ~/.kubeapitest}), with an admin client, kubectl and helm pointed at it, and clients that
 * authenticate as a ServiceAccount through the TokenRequest API. One per test class.
 */
final class RealApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealApiServer.class);

  private final KubeAPIServer server;
  private final Path binaries;
  private final Path kubeconfig;
  private final KubernetesClient admin;
  private final List<KubernetesClient> clients = new ArrayList<>();
  private final List<io.vmha.operator.VmhaOperator> operators = new ArrayList<>();

  /** Stops etcd and the API server if the JVM ends without close() (a killed or timed-out fork). */
  private final Thread reaper;

  private boolean closed;

  private RealApiServer(
      KubeAPIServer server, Path binaries, Path kubeconfig, KubernetesClient admin) {
    this.server = server;
    this.binaries = binaries;
    this.kubeconfig = kubeconfig;
    this.admin = admin;
    this.reaper = new Thread(server::stop, "kube-apiserver-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Starts the API server with the committed CRDs applied (by kubectl) and established. */
  static RealApiServer startWithCrds() {
    return startWithCrds(false);
  }

  /** The same, the CRDs applied server-side if asked. */
  static RealApiServer startWithCrds(boolean serverSide) {
    RealApiServer api = start();
    List<String> apply = new java.util.ArrayList<>(List.of("apply"));
    if (serverSide) {
      apply.add("--server-side");
    }
    apply.addAll(List.of("-f", Tools.PROJECT.resolve("crds").toString()));
    api.kubectl(apply.toArray(String[]::new)).orFail(List.of("kubectl apply -f crds/"));
    api.kubectl("wait", "--for", "condition=Established", "--timeout", "60s", "crd", "--all")
        .orFail(List.of("kubectl wait"));
    return api;
  }

  /**
   * Starts etcd and the API server as the demo does ({@link LocalKubeApiServer#startProcesses});
   * skips the calling test class when the binaries are missing.
   */
  static RealApiServer start() {
    Path binaries = Tools.assumeK8sBinaries();
    String version = LocalKubeApiServer.version(binaries);
    long started = System.nanoTime();
    KubeAPIServer server = LocalKubeApiServer.startProcesses(binaries);
    try {
      Path kubeconfig = Files.createTempFile("vmha-e2e-kubeconfig", ".yaml");
      String yaml = server.getKubeConfigYaml();
      Files.writeString(kubeconfig, yaml);
      KubernetesClient admin =
          new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
      log.info(
          "kube-apiserver {} ready at {} in {} ms",
          version,
          admin.getMasterUrl(),
          (System.nanoTime() - started) / 1_000_000);
      return new RealApiServer(server, binaries, kubeconfig, admin);
    } catch (IOException e) {
      server.stop();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      server.stop();
      throw e;
    }
  }

  /**
   * Stops (SIGSTOP) or continues (SIGCONT) the kube-apiserver process itself, etcd untouched: an
   * API server that hangs for everyone, every connection open and none answered.
   */
  void signalApiServer(String signal) {
    ProcessHandle apiServer =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("kube-apiserver"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no kube-apiserver process"));
    Tools.run(
            List.of("kill", "-" + signal, Long.toString(apiServer.pid())),
            Map.of(),
            Duration.ofSeconds(10))
        .orFail(List.of("kill -" + signal + " kube-apiserver"));
  }

  /** A client with the API server's admin credentials (group system:masters). */
  KubernetesClient admin() {
    return admin;
  }

  Path kubeconfig() {
    return kubeconfig;
  }

  Tools.Result kubectl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(binaries.resolve("kubectl").toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return Tools.run(command, Map.of(), Duration.ofMinutes(1));
  }

  Tools.Result helm(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(Tools.assumeHelm().toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return Tools.run(command, Tools.helmEnv(), Duration.ofMinutes(2));
  }

  /** Creates or replaces the objects of {@code yaml} as the admin, as {@code kubectl apply}. */
  void apply(String yaml) {
    for (io.fabric8.kubernetes.api.model.HasMetadata object : ChartedFleet.parse(yaml)) {
      admin.resource(object).createOr(r -> r.update());
    }
  }

  /** Who holds Lease {@code namespace/name} now; null if it does not exist or has no holder. */
  String leaseHolder(String namespace, String name) {
    var lease = admin.leases().inNamespace(namespace).withName(name).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** The phase the operator wrote on VmHost {@code name}; null before it wrote one. */
  String hostPhase(String name) {
    var host = admin.resources(io.vmha.api.VmHost.class).withName(name).get();
    return host == null || host.getStatus() == null ? null : host.getStatus().getPhase();
  }

  /** Puts VmHost {@code name} into maintenance, as an admin does: its VMs are drained. */
  void startMaintenance(String name) {
    maintenance(name, true);
  }

  void createNamespace(String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
  }

  /**
   * A client authenticated as a ServiceAccount with a bound token from the TokenRequest API, as a
   * pod of that ServiceAccount would be: nothing of the admin's credentials is reused.
   */
  KubernetesClient clientAs(String namespace, String serviceAccount) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getConfiguration().getMasterUrl())
            .withCaCertFile(admin.getConfiguration().getCaCertFile())
            .withCaCertData(admin.getConfiguration().getCaCertData())
            .withOauthToken(serviceAccountToken(namespace, serviceAccount))
            .withNamespace(namespace)
            .withRequestTimeout(10_000)
            .build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    synchronized (clients) {
      clients.add(client);
    }
    return client;
  }

  /** A bound token of ServiceAccount {@code namespace/serviceAccount} (TokenRequest, one hour). */
  String serviceAccountToken(String namespace, String serviceAccount) {
    TokenRequest request =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build());
    return request.getStatus().getToken();
  }

  /**
   * The shipped operator in this JVM, as the admin and without leader election, deciding with
   * {@code settings} and keeping its Leases in {@code namespace}; it stops with the server.
   */
  synchronized io.vmha.operator.VmhaOperator startOperator(
      io.vmha.core.Settings settings, String namespace, String identity) throws IOException {
    KubernetesClient client =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(admin.getConfiguration())
            .build();
    synchronized (clients) {
      clients.add(client);
    }
    io.vmha.operator.VmhaOperator operator =
        new io.vmha.operator.VmhaOperator(
                client,
                new io.vmha.operator.OperatorOptions(
                    settings, false, "vmha-operator", namespace, identity, -1, false),
                o -> {})
            .start();
    operators.add(operator);
    return operator;
  }

  /** Takes VmHost {@code name} into maintenance (its VMs are drained) or out of it. */
  void maintenance(String name, boolean on) {
    hostSpec(name, "maintenance", on);
  }

  /** Cordons VmHost {@code name} (no VM is placed on it) or uncordons it. */
  void cordon(String name, boolean on) {
    hostSpec(name, "unschedulable", on);
  }

  private void hostSpec(String name, String field, boolean on) {
    admin
        .resources(io.vmha.api.VmHost.class)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"" + field + "\":" + on + "}}");
  }

  /**
   * The identity the API server sees for a client (SelfSubjectReview, like kubectl auth whoami).
   */
  static String whoAmI(KubernetesClient client) {
    var review =
        client
            .resource(
                new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder()
                    .build())
            .create();
    return review.getStatus().getUserInfo().getUsername();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook stops the server
    }
    operators.forEach(io.vmha.operator.VmhaOperator::close);
    synchronized (clients) {
      clients.forEach(KubernetesClient::close);
    }
    admin.close();
    server.stop();
    try {
      Files.deleteIfExists(kubeconfig);
    } catch (IOException e) {
      // a temp file; nothing to do
    }
  }
}
