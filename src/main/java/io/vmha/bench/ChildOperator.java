package io.vmha.bench;

import io.fabric8.kubernetes.client.Config;
import io.vmha.core.Settings;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vmha operator} alone in a JVM of its own, with a heap limit: what a Deployment runs. The
 * bench reads it from outside like Prometheus and an operator would: its {@code /metrics} (API
 * requests, plan durations, heap), {@code jcmd} for a full GC, {@code /proc} for its CPU.
 */
final class ChildOperator implements OperatorUnderTest {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private ChildOperator(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts {@code vmha operator} with {@code -Xmx<heap>} against the API server of {@code config}
   * (client certificate files or a bearer token), with the bench's timings, and waits until it is
   * ready.
   */
  static ChildOperator start(
      Config config, Settings settings, String leaseNamespace, String heap, Consumer<String> say)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("vmha-bench-operator");
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, kubeconfig(config));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command =
        io.vmha.cli.VmhaCommand.inNewJvm("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError");
    command.addAll(
        List.of(
            "operator",
            "--leader-election=false",
            "--lease-namespace=" + leaseNamespace,
            "--identity=vmha-bench-operator",
            "--http-port=" + port,
            "--heartbeat-interval=" + settings.heartbeatInterval().toMillis() + "ms",
            "--self-fence-after=" + settings.selfFenceAfter().toMillis() + "ms",
            "--host-grace-period=" + settings.hostGracePeriod().toMillis() + "ms"));
    Path log = dir.resolve("operator.log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    ChildOperator child = new ChildOperator(builder.start(), port, log);
    // a benchmark stopped with Ctrl-C or kill must not leave its operator running, orphaned
    Runtime.getRuntime().addShutdownHook(new Thread(child::close, "vmha-bench-operator-stop"));
    say.accept(
        "operator in its own JVM (-Xmx"
            + heap
            + ", pid "
            + child.process.pid()
            + ", log "
            + log
            + ")");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!child.ready()) {
      if (!child.process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited with " + child.process.exitValue() + ": see " + log);
      }
      if (System.nanoTime() > deadline) {
        child.close();
        throw new IllegalStateException("the operator was not ready within 60 s: see " + log);
      }
      Thread.sleep(200);
    }
    return child;
  }

  /**
   * A kubeconfig with the credentials of {@code config}: its bearer token if it has one (the
   * chart's ServiceAccount), else its client certificate files (the admin).
   */
  static String kubeconfig(Config config) {
    List<String> user =
        config.getOauthToken() != null
            ? List.of("    token: " + config.getOauthToken())
            : List.of(
                "    client-certificate: " + config.getClientCertFile(),
                "    client-key: " + config.getClientKeyFile());
    List<String> lines =
        new ArrayList<>(
            List.of(
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: bench",
                "  cluster:",
                "    server: " + config.getMasterUrl(),
                "    certificate-authority: " + config.getCaCertFile(),
                "users:",
                "- name: bench",
                "  user:"));
    lines.addAll(user);
    lines.addAll(
        List.of(
            "contexts:",
            "- name: bench",
            "  context: {cluster: bench, user: bench}",
            "current-context: bench",
            ""));
    return String.join("\n", lines);
  }

  private boolean ready() {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One scrape of {@code /metrics}: sample name → its samples' labels and values. */
  private List<Sample> scrape() {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "the operator exited with " + process.exitValue() + " (out of memory?): see " + log);
    }
    try {
      String body =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      List<Sample> samples = new ArrayList<>();
      for (String line : body.split("\n")) {
        Matcher m = SAMPLE.matcher(line);
        if (line.startsWith("#") || !m.find()) {
          continue;
        }
        Map<String, String> labels = new HashMap<>();
        if (m.group(3) != null) {
          Matcher l = LABEL.matcher(m.group(3));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
        }
        samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
      }
      return samples;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the operator's metrics: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private record Sample(String name, Map<String, String> labels, double value) {}

  private static double sum(List<Sample> samples, String name) {
    return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
  }

  @Override
  public Map<String, Long> requestCounts() {
    Map<String, Long> counts = new HashMap<>();
    for (Sample s : scrape()) {
      if (s.name().equals("vmha_api_requests_total")) {
        counts.merge(
            s.labels().get("verb") + " " + s.labels().get("resource"),
            Math.round(s.value()),
            Long::sum);
      }
    }
    return counts;
  }

  @Override
  public Map<String, Double> cpuSeconds() {
    try {
      String[] stat =
          Files.readString(Path.of("/proc/" + process.pid() + "/stat"))
              .split("\\) ", 2)[1]
              .split(" ");
      return Map.of(
          "process", (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / 100.0); // USER_HZ
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  @Override
  public PlanStats plans() {
    List<Sample> samples = scrape();
    return new PlanStats(
        Math.round(sum(samples, "vmha_plan_duration_seconds_count")),
        sum(samples, "vmha_plan_duration_seconds_sum"),
        sum(samples, "vmha_plan_duration_seconds_max"));
  }

  /** {@code jcmd <pid> GC.run}, then the heap in use as the operator's own metrics report it. */
  @Override
  public double heapAfterGcMiB() {
    Path jcmd =
        Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
    try {
      for (int i = 0; i < 2; i++) {
        Process gc =
            new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        gc.waitFor(60, TimeUnit.SECONDS);
      }
      Thread.sleep(500);
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
    double bytes =
        scrape().stream()
            .filter(
                s ->
                    s.name().equals("jvm_memory_used_bytes")
                        && "heap".equals(s.labels().get("area")))
            .mapToDouble(Sample::value)
            .sum();
    return bytes / (1024.0 * 1024.0);
  }

  /** The {@code -Xmx} the operator runs with, as its metrics report it, in MiB. */
  double maxHeapMiB() {
    return scrape().stream()
            .filter(
                s ->
                    s.name().equals("jvm_memory_max_bytes")
                        && "heap".equals(s.labels().get("area")))
            .mapToDouble(s -> Math.max(0, s.value()))
            .sum()
        / (1024.0 * 1024.0);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
