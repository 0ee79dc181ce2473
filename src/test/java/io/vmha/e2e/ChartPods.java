package io.vmha.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What a kubelet would do with the chart's operator Deployment, on a machine without one: each
 * replica of the Deployment as the API server holds it runs as a process — the image's {@code
 * ENTRYPOINT} from the Dockerfile with the container's {@code args}, the container's environment
 * (field references resolved as the kubelet resolves them), the memory limit as the JVM would see
 * it in the container, and the pod's ServiceAccount token. Only the network differs: the pods share
 * the machine's, so each replica gets a port of its own for its HTTP endpoint.
 */
final class ChartPods implements AutoCloseable {
  private final List<Process> replicas = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  /** Starts every replica of Deployment {@code namespace/name}, running the jar {@code jar}. */
  static ChartPods start(RealApiServer api, String namespace, String name, Path jar, Path dir)
      throws IOException {
    Deployment deployment =
        api.admin().apps().deployments().inNamespace(namespace).withName(name).get();
    if (deployment == null) {
      throw new AssertionError("no Deployment " + namespace + "/" + name);
    }
    var pod = deployment.getSpec().getTemplate().getSpec();
    Container container = pod.getContainers().get(0);
    Path kubeconfig = serviceAccountKubeconfig(api, namespace, pod.getServiceAccountName(), dir);
    ChartPods pods = new ChartPods();
    for (int i = 0; i < deployment.getSpec().getReplicas(); i++) {
      pods.run(container, namespace, name + "-pod-" + i, jar, kubeconfig, dir);
    }
    return pods;
  }

  private void run(
      Container container, String namespace, String podName, Path jar, Path kubeconfig, Path dir)
      throws IOException {
    int port = freePort();
    List<String> command = new ArrayList<>();
    for (String word : entrypoint()) {
      command.add(word.equals("/opt/vmha/vmha.jar") ? jar.toString() : word);
    }
    Quantity memory = container.getResources().getLimits().get("memory");
    // The JVM sizes its heap from the container's limit; outside a container MaxRAM says it.
    command.add(1, "-XX:MaxRAM=" + Quantity.getAmountInBytes(memory).longValue());
    command.add(2, "-XX:TieredStopAtLevel=1");
    command.addAll(container.getArgs());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(podName + ".log").toFile());
    Map<String, String> env = builder.environment();
    env.remove("KUBECONFIG");
    for (EnvVar var : container.getEnv()) {
      env.put(var.getName(), valueOf(var, namespace, podName));
    }
    env.put("VMHA_HTTP_PORT", Integer.toString(port));
    env.put("KUBECONFIG", kubeconfig.toString());
    replicas.add(builder.start());
    ports.add(port);
  }

  private static String valueOf(EnvVar var, String namespace, String podName) {
    if (var.getValueFrom() == null) {
      return var.getValue();
    }
    String field = var.getValueFrom().getFieldRef().getFieldPath();
    return switch (field) {
      case "metadata.name" -> podName;
      case "metadata.namespace" -> namespace;
      default -> throw new AssertionError("the stand-in kubelet cannot resolve " + field);
    };
  }

  int size() {
    return replicas.size();
  }

  /** Waits until every replica answers its readiness probe, as {@code rollout status} waits. */
  void awaitReady(Duration atMost) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + atMost.toNanos();
    for (int i = 0; i < ports.size(); i++) {
      URI readyz = URI.create("http://127.0.0.1:" + ports.get(i) + "/readyz");
      while (!ready(http, readyz)) {
        if (!replicas.get(i).isAlive()) {
          throw new AssertionError("operator replica " + i + " exited: " + replicas.get(i));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("operator replica " + i + " not ready within " + atMost);
        }
        Thread.sleep(200);
      }
    }
  }

  private static boolean ready(HttpClient http, URI readyz) throws InterruptedException {
    try {
      return http.send(
                  HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** The Dockerfile's ENTRYPOINT, the exec form the image runs. */
  private static List<String> entrypoint() throws IOException {
    for (String line : Files.readAllLines(Tools.PROJECT.resolve("Dockerfile"))) {
      if (line.startsWith("ENTRYPOINT ")) {
        String[] words =
            new ObjectMapper().readValue(line.substring("ENTRYPOINT ".length()), String[].class);
        return new ArrayList<>(List.of(words));
      }
    }
    throw new AssertionError("the Dockerfile has no ENTRYPOINT");
  }

  /** The pod's projected ServiceAccount token, as a kubeconfig (the client's in-cluster view). */
  private static Path serviceAccountKubeconfig(
      RealApiServer api, String namespace, String serviceAccount, Path dir) throws IOException {
    String token = api.serviceAccountToken(namespace, serviceAccount);
    var config = api.admin().getConfiguration();
    String ca =
        config.getCaCertData() != null
            ? config.getCaCertData()
            : Base64.getEncoder()
                .encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
    Path kubeconfig = dir.resolve(serviceAccount + ".kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: in-cluster, cluster: {server: "%s", certificate-authority-data: "%s"}}]
        users: [{name: pod, user: {token: "%s"}}]
        contexts: [{name: pod, context: {cluster: in-cluster, user: pod, namespace: "%s"}}]
        current-context: pod
        """
            .formatted(config.getMasterUrl(), ca, token, namespace));
    return kubeconfig;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process replica : replicas) {
      replica.destroy();
    }
    for (Process replica : replicas) {
      if (!replica.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        replica.destroyForcibly().waitFor();
      }
    }
  }
}
