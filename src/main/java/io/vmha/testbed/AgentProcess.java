package io.vmha.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.PeerServer;
import io.vmha.agent.PeerToken;
import io.vmha.agent.sim.FaultProxy;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A real {@code vmha agent} process (driver simulated unless told otherwise), as a user starts one
 * per host, reaching the API server only through its own {@link FaultProxy}: cutting a host off the
 * API server is a network fault, not a flag inside the agent. Its peers reach it directly.
 */
public final class AgentProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What {@code vmha agent} asks of its watchdog with the default timings: grace - sfa - hb. */
  public static final Duration WATCHDOG_TIMEOUT =
      Settings.defaults()
          .hostGracePeriod()
          .minus(Settings.defaults().selfFenceAfter())
          .minus(Settings.defaults().heartbeatInterval());

  public final String host;
  public final FaultProxy proxy;
  public final Path log;
  private final List<String> command;
  private final Path kubeconfig;
  private final Path dir;
  private final String peerAddress;
  private final int peerPort;
  private final PeerToken token;
  private final boolean withWatchdog;
  private Process process;
  private WatchdogFifo watchdog;
  private volatile Runnable hostReset = () -> {};

  /** What the command runs through, asked at every start (e.g. nsenter into its host). */
  private final java.util.function.Supplier<List<String>> launcher;

  private int starts;

  private AgentProcess(
      String host,
      FaultProxy proxy,
      List<String> command,
      Path kubeconfig,
      Path dir,
      String peerAddress,
      int peerPort,
      PeerToken token,
      boolean withWatchdog,
      java.util.function.Supplier<List<String>> launcher) {
    this.withWatchdog = withWatchdog;
    this.launcher = launcher;
    this.host = host;
    this.proxy = proxy;
    this.command = command;
    this.kubeconfig = kubeconfig;
    this.dir = dir;
    this.peerAddress = peerAddress;
    this.peerPort = peerPort;
    this.token = token;
    this.log = dir.resolve(host + ".log");
  }

  /**
   * Starts the agent of {@code host} with the default timings, through a new proxy in front of the
   * API server that {@code kubeconfig} names, feeding a {@link WatchdogFifo} that kills it (resets
   * the host) when it goes unfed for the watchdog timeout the defaults give (3 s).
   */
  public static AgentProcess start(
      String host, Path kubeconfig, String leaseNamespace, String peerSecret, Path dir)
      throws IOException {
    return start(host, kubeconfig, leaseNamespace, peerSecret, dir, true, List.of());
  }

  /**
   * The same, with or without the watchdog, and more {@code vmha agent} arguments (e.g. timings).
   */
  public static AgentProcess start(
      String host,
      Path kubeconfig,
      String leaseNamespace,
      String peerSecret,
      Path dir,
      boolean withWatchdog,
      List<String> moreArgs)
      throws IOException {
    return start(
        host, kubeconfig, leaseNamespace, peerSecret, dir, withWatchdog, moreArgs, Placement.LOCAL);
  }

  /**
   * Where an agent runs and how it reaches the others: the command's prefix (e.g. {@code nsenter}
   * into its host's namespaces), the address it serves its peers on, and the address and name by
   * which it reaches its API server proxy (a name the server's certificate carries).
   */
  public record Placement(
      java.util.function.Supplier<List<String>> launcher,
      String address,
      java.net.InetAddress proxyBind,
      String apiServerName) {

    /** In the test's own namespaces, everything on 127.0.0.1. */
    public static final Placement LOCAL =
        new Placement(
            List::of, "127.0.0.1", java.net.InetAddress.getLoopbackAddress(), "127.0.0.1");
  }

  /** The same, placed as {@code placement} says. */
  public static AgentProcess start(
      String host,
      Path kubeconfig,
      String leaseNamespace,
      String peerSecret,
      Path dir,
      boolean withWatchdog,
      List<String> moreArgs,
      Placement placement)
      throws IOException {
    PeerToken token = PeerToken.of(peerSecret);
    var config =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            Files.readString(kubeconfig), io.fabric8.kubernetes.api.model.Config.class);
    var cluster = config.getClusters().get(0).getCluster();
    URI server = URI.create(cluster.getServer());
    FaultProxy proxy = FaultProxy.start(placement.proxyBind(), server.getHost(), server.getPort());
    cluster.setServer(server.getScheme() + "://" + placement.apiServerName() + ":" + proxy.port());
    Path proxied = dir.resolve(host + ".kubeconfig");
    Files.writeString(proxied, io.fabric8.kubernetes.client.utils.Serialization.asYaml(config));
    Path tokenFile = dir.resolve("peer-token");
    if (!Files.exists(tokenFile)) {
      Files.writeString(tokenFile, peerSecret);
    }
    int port = freePort();
    List<String> command = io.vmha.cli.VmhaCommand.inNewJvm("-Xmx128m", "-XX:TieredStopAtLevel=1");
    command.addAll(
        List.of(
            "agent",
            "--host=" + host,
            "--lease-namespace=" + leaseNamespace,
            "--peer-token-file=" + tokenFile,
            "--listen-address=" + placement.address(),
            "--listen-port=" + port,
            "--advertise-address=" + placement.address()));
    if (moreArgs.stream().noneMatch(arg -> arg.startsWith("--driver"))) {
      command.add("--driver=simulated");
    }
    command.addAll(moreArgs);
    AgentProcess agent =
        new AgentProcess(
            host,
            proxy,
            command,
            proxied,
            dir,
            placement.address(),
            port,
            token,
            withWatchdog,
            placement.launcher());
    agent.boot();
    return agent;
  }

  /** Starts the agent again on the same host, proxy and port: a host back from a reset. */
  public synchronized void boot() throws IOException {
    if (withWatchdog) {
      watchdog =
          WatchdogFifo.serve(dir.resolve(host + ".watchdog." + (++starts)), WATCHDOG_TIMEOUT);
    }
    launch();
  }

  /** SIGTERM, as {@code systemctl stop} sends it; returns once the process has exited. */
  public synchronized void terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("agent of " + host + " did not exit within 30 s of SIGTERM");
    }
  }

  /** Starts the agent again on the same watchdog device, as after {@code systemctl restart}. */
  public synchronized void restart() throws IOException {
    launch();
  }

  private void launch() throws IOException {
    List<String> withDevice = new java.util.ArrayList<>(launcher.get());
    withDevice.addAll(command);
    if (watchdog != null) {
      withDevice.add("--watchdog-device=" + watchdog.path);
    }
    ProcessBuilder builder =
        new ProcessBuilder(withDevice)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    process = builder.start();
    if (watchdog != null) {
      watchdog.guard(process.toHandle(), () -> hostReset.run());
    }
  }

  /**
   * What else a watchdog reset kills besides the agent: for a host whose guests live outside the
   * agent (libvirt), its hypervisor and their QEMUs.
   */
  public synchronized void resetsAlso(Runnable hostReset) {
    this.hostReset = hostReset;
  }

  /** Kills the agent process (SIGKILL), as a crash of its host does. */
  public synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Freezes the whole agent process (SIGSTOP): a hung agent, every thread of it. */
  public synchronized void freeze() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -STOP " + process.pid() + " failed");
    }
  }

  /** When its watchdog reset the host ({@link System#nanoTime}), or 0 if it has not. */
  public synchronized long resetAtNanos() {
    return watchdog == null ? 0 : watchdog.resetAtNanos();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The VMs (namespace/name) whose instances this host's hypervisor runs now, from the agent's own
   * driver: the truth the API server may not know. Null if the agent does not answer.
   */
  public Set<String> runningVms() {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://"
                        + peerAddress
                        + ":"
                        + peerPort
                        + "/hosts/"
                        + host
                        + PeerServer.INSTANCES_PATH))
            .header("Authorization", token.authorizationHeader());
    HttpResponse<String> response = get(request);
    if (response == null || response.statusCode() != 200) {
      return null;
    }
    Set<String> vms = new TreeSet<>();
    try {
      for (JsonNode instance : JSON.readTree(response.body())) {
        if (!instance.path("vm").isNull()
            && !"Stopped".equals(instance.path("state").asText())
            && !"Failed".equals(instance.path("state").asText())) {
          vms.add(instance.path("vm").asText());
        }
      }
    } catch (IOException e) {
      return null;
    }
    return vms;
  }

  /** Its Prometheus metrics (no token needed), or "" if it does not answer. */
  public String metrics() {
    HttpResponse<String> response =
        get(
            HttpRequest.newBuilder(
                URI.create("http://" + peerAddress + ":" + peerPort + PeerServer.METRICS_PATH)));
    return response == null ? "" : response.body();
  }

  /** A GET on its peer port with a 1 s deadline; null if it does not answer. */
  private static HttpResponse<String> get(HttpRequest.Builder request) {
    try {
      return HTTP.send(
          request.timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public synchronized boolean isAlive() {
    return process.isAlive();
  }

  /** Where its log ends now, for {@link #logSince}. */
  public long logMark() throws IOException {
    return Files.size(log);
  }

  /** What it logged after {@code mark}. */
  public String logSince(long mark) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(
        all,
        (int) Math.min(mark, all.length),
        (int) Math.max(0, all.length - mark),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public synchronized void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    proxy.close();
  }
}
