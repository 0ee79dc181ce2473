package io.vmha.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.PeerServer;
import io.vmha.agent.PeerToken;
import io.vmha.agent.sim.FaultProxy;
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
 * A real {@code vmha agent --driver simulated} process, as a user starts one per host, reaching the
 * API server only through its own {@link FaultProxy}: cutting a host off the API server is a
 * network fault, not a flag inside the agent. Its peers reach it directly.
 */
final class AgentProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  final String host;
  final FaultProxy proxy;
  final Path log;
  private final Process process;
  private final int peerPort;
  private final PeerToken token;

  private AgentProcess(
      String host, FaultProxy proxy, Process process, int peerPort, PeerToken token, Path log) {
    this.host = host;
    this.proxy = proxy;
    this.process = process;
    this.peerPort = peerPort;
    this.token = token;
    this.log = log;
  }

  /**
   * Starts the agent of {@code host} with the default timings, through a new proxy in front of the
   * API server that {@code kubeconfig} names.
   */
  static AgentProcess start(
      String host, Path kubeconfig, String leaseNamespace, String peerSecret, Path dir)
      throws IOException {
    PeerToken token = PeerToken.of(peerSecret);
    String config = Files.readString(kubeconfig);
    URI server = URI.create(config.replaceAll("(?s).*server:\\s*(\\S+).*", "$1"));
    FaultProxy proxy = FaultProxy.start(server.getHost(), server.getPort());
    Path proxied = dir.resolve(host + ".kubeconfig");
    Files.writeString(
        proxied,
        config.replace(server.toString(), server.getScheme() + "://127.0.0.1:" + proxy.port()));
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
            "--driver=simulated",
            "--lease-namespace=" + leaseNamespace,
            "--peer-token-file=" + tokenFile,
            "--listen-address=127.0.0.1",
            "--listen-port=" + port,
            "--advertise-address=127.0.0.1"));
    Path log = dir.resolve(host + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", proxied.toString());
    return new AgentProcess(host, proxy, builder.start(), port, token, log);
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
  Set<String> runningVms() {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + peerPort
                              + "/hosts/"
                              + host
                              + PeerServer.INSTANCES_PATH))
                  .timeout(Duration.ofSeconds(1))
                  .header("Authorization", token.authorizationHeader())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      Set<String> vms = new TreeSet<>();
      for (JsonNode instance : JSON.readTree(response.body())) {
        if (!instance.path("vm").isNull()
            && !"Stopped".equals(instance.path("state").asText())
            && !"Failed".equals(instance.path("state").asText())) {
          vms.add(instance.path("vm").asText());
        }
      }
      return vms;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    proxy.close();
  }
}
