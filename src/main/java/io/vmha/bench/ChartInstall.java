package io.vmha.bench;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Helm chart installed into the bench's API server by {@code helm install}, as a cluster admin
 * installs it: the operator's ServiceAccount and roles, the FlowSchemas and priority level of API
 * Priority and Fairness, and the admission policies keyed on the hosts' identities. Its Deployment
 * is created too and never runs (there is no kubelet): the bench runs the operator itself, under
 * that ServiceAccount.
 *
 * <p>helm is found as the end-to-end tests find it: {@code $VMHA_HELM}, then {@code bin/helm} under
 * {@code $VMHA_K8S_BIN_DIR} or {@code ~/.kubeapitest} (where {@code hack/build-k8s-binaries.sh}
 * puts it), then {@code helm} on the PATH.
 */
final class ChartInstall {
  static final String RELEASE = "vmha";
  static final String OPERATOR_ACCOUNT = "vmha-operator";
  static final String HEARTBEAT_FLOW_SCHEMA = "vmha-agent-heartbeats";
  static final String OPERATOR_FLOW_SCHEMA = "vmha-operator";

  private ChartInstall() {}

  static Optional<Path> helm() {
    String env = System.getenv("VMHA_HELM");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(Files::isExecutable);
    }
    String dir = System.getenv("VMHA_K8S_BIN_DIR");
    Path root =
        dir != null && !dir.isBlank()
            ? Path.of(dir)
            : Path.of(System.getProperty("user.home"), ".kubeapitest");
    if (Files.isExecutable(root.resolve("bin/helm"))) {
      return Optional.of(root.resolve("bin/helm"));
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(entry, "helm");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Why the chart cannot be installed from here, or null. */
  static String unavailable(Path chart) {
    if (helm().isEmpty()) {
      return "--identities chart needs helm: set VMHA_HELM, build it with"
          + " hack/build-k8s-binaries.sh (~/.kubeapitest/bin/helm) or put it on the PATH;"
          + " or run with --identities admin";
    }
    if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
      return "--identities chart needs the chart: no Chart.yaml in "
          + chart.toAbsolutePath()
          + " (run from the repository's root or pass --chart)";
    }
    return null;
  }

  /**
   * {@code helm install vmha CHART --namespace NAMESPACE} with a kubeconfig of the admin's
   * credentials {@code admin}; with power fencing the operator may read the bench's BMC Secret, as
   * a user lists theirs in the values.
   */
  static void install(
      Config admin,
      Path chart,
      String namespace,
      String bmcSecret,
      List<String> values,
      Consumer<String> log)
      throws IOException, InterruptedException {
    Path kubeconfig = Files.createTempFile("vmha-bench-admin", ".kubeconfig");
    try {
      Files.writeString(kubeconfig, ChildOperator.kubeconfig(admin));
      install(chart, kubeconfig, namespace, bmcSecret, values, log);
    } finally {
      Files.deleteIfExists(kubeconfig);
    }
  }

  /** The same with a kubeconfig file. */
  static void install(
      Path chart,
      Path kubeconfig,
      String namespace,
      String bmcSecret,
      List<String> values,
      Consumer<String> log)
      throws IOException, InterruptedException {
    Path helm = helm().orElseThrow(() -> new IllegalStateException(unavailable(chart)));
    Path home = Files.createTempDirectory("vmha-bench-helm");
    List<String> command =
        new ArrayList<>(
            List.of(
                helm.toString(),
                "install",
                RELEASE,
                chart.toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "--namespace",
                namespace));
    if (bmcSecret != null) {
      command.addAll(List.of("--set", "powerFencing.credentialsSecrets={" + bmcSecret + "}"));
    }
    for (String value : values) {
      command.addAll(List.of("--set", value));
    }
    Path output = home.resolve("helm.log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    // helm's own directories, so that the user's repositories and cache are never read or changed
    builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
    builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
    builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
    Process process = builder.start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("helm install did not finish within 2 minutes");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "helm install failed (" + process.exitValue() + "): " + Files.readString(output));
    }
    log.accept("chart " + chart + " installed by " + helm + " as release " + RELEASE);
  }

  /**
   * What the operator's pod would authenticate with: a bound token of the chart's ServiceAccount
   * (TokenRequest, valid for a day, longer than any run), against the server of {@code admin}.
   */
  static Config operatorConfig(KubernetesClient client, Config admin, String namespace) {
    String token =
        client
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(OPERATOR_ACCOUNT)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(Duration.ofHours(24).toSeconds())
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(admin.getMasterUrl())
        .withCaCertFile(admin.getCaCertFile())
        .withOauthToken(token)
        .withRequestTimeout(admin.getRequestTimeout())
        .build();
  }
}
