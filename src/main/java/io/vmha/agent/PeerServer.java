package io.vmha.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agents' peer endpoint: {@code GET <endpoint>/v1/api-reachable?nonce=N} with {@code
 * Authorization: Bearer <token>} answers whether this host reaches the API server now and when it
 * last renewed its heartbeat. Endpoints are {@code http://<address>:<port>/hosts/<host>}; one
 * server can serve many hosts (the simulation runs one for all its agents), a real agent serves its
 * own.
 *
 * <p>Answers: 200 with {@code {"host", "apiReachable", "renewalAgeMillis", "nonce", "signature"}}
 * (the signature, by the host's own {@link HostKey}, covers host, answer, renewal age and nonce);
 * 401 without the token; 404 for an unknown path; 503 for a host whose agent is not running or
 * cannot be reached. The shared token only decides who may ask: an answer is worth what its
 * signature by the asked host's own key is, so a captured token forges nothing.
 */
public final class PeerServer implements AutoCloseable {
  public static final String API_REACHABLE_PATH = "/v1/api-reachable";

  /**
   * {@code POST}: a simulated host in another process hands over a live-migrated instance ({@code
   * {"instance": {...}, "image": {...}}}); 200 once this host runs it, 409 with the reason if it
   * refuses. Real hosts migrate hypervisor to hypervisor and never use it.
   */
  public static final String MIGRATE_IN_PATH = "/v1/migrate-in";

  /** Prometheus metrics of the agents this server answers for ({@link AgentMetrics}). */
  public static final String METRICS_PATH = "/metrics";

  /**
   * What the hypervisor runs now, from the driver: {@code [{"name", "vm", "state"}]}. For an admin
   * (or a test) who must know what really runs on a host the API server cannot see.
   */
  public static final String INSTANCES_PATH = "/v1/instances";

  private static final Pattern PATH =
      Pattern.compile(
          "/hosts/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)("
              + Pattern.quote(API_REACHABLE_PATH)
              + "|"
              + Pattern.quote(INSTANCES_PATH)
              + "|"
              + Pattern.quote(MIGRATE_IN_PATH)
              + ")");
  private static final Pattern NONCE =
      Pattern.compile("(?:^|&)nonce=([A-Za-z0-9_-]{8,128})(?:&|$)");

  private final HttpServer server;
  private final ExecutorService executor;
  private final PeerToken token;
  private final String advertisedAddress;
  private final Map<String, Responder> responders = new ConcurrentHashMap<>();
  private final Map<String, Supplier<java.util.List<Instance>>> inventories =
      new ConcurrentHashMap<>();
  private final Map<String, Receiver> receivers = new ConcurrentHashMap<>();

  /** Takes over a live-migrated instance for a host, or refuses it. */
  public interface Receiver {
    /**
     * @param handover the request's JSON body
     * @throws Exception with the reason, if the host does not take the instance
     */
    void receive(JsonNode handover) throws Exception;
  }

  private final ObjectMapper json = new ObjectMapper();
  private final AgentMetrics metrics = new AgentMetrics();

  private PeerServer(HttpServer server, PeerToken token, String advertisedAddress) {
    this.server = server;
    this.token = token;
    this.advertisedAddress = advertisedAddress;
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vmha-peer-server");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Listens on {@code bindAddress:port} (port 0 picks a free one) and advertises endpoints under
   * {@code advertisedAddress}, the address peers use to reach this host.
   */
  public static PeerServer start(
      String bindAddress, int port, String advertisedAddress, PeerToken token) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(bindAddress, port), 1024);
    PeerServer peerServer = new PeerServer(http, token, advertisedAddress);
    http.start();
    return peerServer;
  }

  /**
   * What a host says about itself.
   *
   * @param apiReachable whether it renewed its heartbeat recently
   * @param renewalAgeMillis how long ago, on its own monotonic clock, it sent its last acknowledged
   *     renewal: an asker that lost the API server itself counts this host as confirming an outage
   *     only if it lost it no later. An age, not an instant: hosts' wall clocks differ
   */
  public record Answer(boolean apiReachable, long renewalAgeMillis) {
    /** The signed parts of an answer for {@code host} to {@code nonce}. */
    String[] signedParts(String host, String nonce) {
      return new String[] {
        host, Boolean.toString(apiReachable), Long.toString(renewalAgeMillis), nonce
      };
    }
  }

  private record Responder(HostKey key, Supplier<Answer> answer) {}

  /**
   * Serves {@code host}'s answers from {@code answer} (null: the host cannot be reached, peers get
   * 503), signed with the host's own {@code key}; returns the host's endpoint URL.
   */
  public String register(String host, HostKey key, Supplier<Answer> answer) {
    responders.put(host, new Responder(key, answer));
    return endpoint(host);
  }

  /** Serves what {@code host}'s hypervisor runs, as its driver lists it. */
  public void registerInventory(String host, Supplier<java.util.List<Instance>> instances) {
    inventories.put(host, instances);
  }

  /** Lets peers in other processes hand live-migrated instances over to {@code host}. */
  public void registerReceiver(String host, Receiver receiver) {
    receivers.put(host, receiver);
  }

  /** Stops answering for {@code host} (its agent died): peers get 503. */
  public void unregister(String host) {
    responders.remove(host);
    inventories.remove(host);
  }

  public String endpoint(String host) {
    return "http://" + advertisedAddress + ":" + port() + "/hosts/" + host;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public PeerToken token() {
    return token;
  }

  /** The metrics of the agents this server answers for, served at {@code /metrics}. */
  public AgentMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      if (METRICS_PATH.equals(uri.getPath())) {
        // no token: Prometheus scrapes it, and it holds nothing a peer could misuse
        byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
        exchange.sendResponseHeaders(200, text.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(text);
        }
        return;
      }
      Matcher path = PATH.matcher(uri.getPath());
      if (!path.matches()) {
        send(exchange, 404, Map.of("error", "not found"));
        return;
      }
      if (!token.authorizes(exchange.getRequestHeaders().getFirst("Authorization"))) {
        send(exchange, 401, Map.of("error", "a valid bearer token is required"));
        return;
      }
      if (MIGRATE_IN_PATH.equals(path.group(3))) {
        receiveMigration(exchange, path.group(1));
        return;
      }
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, Map.of("error", "use GET"));
        return;
      }
      if (INSTANCES_PATH.equals(path.group(3))) {
        sendInventory(exchange, path.group(1));
        return;
      }
      Matcher nonce = NONCE.matcher(uri.getRawQuery() == null ? "" : uri.getRawQuery());
      if (!nonce.find()) {
        send(exchange, 400, Map.of("error", "a nonce of 8 to 128 URL-safe characters is required"));
        return;
      }
      String host = path.group(1);
      Responder responder = responders.get(host);
      Answer answer = responder == null ? null : responder.answer().get();
      if (answer == null) {
        send(exchange, 503, Map.of("error", "the agent of " + host + " is not running"));
        return;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("host", host);
      body.put("apiReachable", answer.apiReachable());
      body.put("renewalAgeMillis", answer.renewalAgeMillis());
      body.put("nonce", nonce.group(1));
      body.put("signature", responder.key().sign(answer.signedParts(host, nonce.group(1))));
      send(exchange, 200, body);
    }
  }

  private void receiveMigration(HttpExchange exchange, String host) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      send(exchange, 405, Map.of("error", "use POST"));
      return;
    }
    Receiver receiver = receivers.get(host);
    if (receiver == null) {
      send(exchange, 503, Map.of("error", "host " + host + " takes no migrations here"));
      return;
    }
    try (var in = exchange.getRequestBody()) {
      receiver.receive(json.readTree(in));
      send(exchange, 200, Map.of("accepted", true));
    } catch (Exception e) {
      send(exchange, 409, Map.of("error", String.valueOf(e.getMessage())));
    }
  }

  private void sendInventory(HttpExchange exchange, String host) throws IOException {
    Supplier<java.util.List<Instance>> inventory = inventories.get(host);
    if (inventory == null) {
      send(exchange, 503, Map.of("error", "the agent of " + host + " is not running"));
      return;
    }
    java.util.List<Map<String, Object>> body = new java.util.ArrayList<>();
    for (Instance instance : inventory.get()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("name", instance.name());
      item.put("vm", instance.vmKey());
      item.put("state", instance.state().name());
      body.add(item);
    }
    send(exchange, 200, body);
  }

  private void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
