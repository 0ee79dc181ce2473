package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PeerEndpointTest {
  static final long T0 = 10_000; // the asker's renewal age, ms
  static final Duration TOLERANCE = Duration.ofSeconds(2);

  final PeerToken token = PeerToken.of("a-shared-secret-of-the-fleet");
  PeerServer server;
  final HttpClient http = HttpClient.newHttpClient();
  final PeerClient client = new PeerClient(token, Duration.ofSeconds(1));

  /** Every host's own signing key, as it publishes it in its status. */
  final Map<String, HostKey> keys = new java.util.concurrent.ConcurrentHashMap<>();

  HostKey key(String host) {
    return keys.computeIfAbsent(host, h -> HostKey.generate());
  }

  /** The peer as the asker knows it from the host's status: endpoint and published keys. */
  PeerClient.Peer peer(String host) {
    return new PeerClient.Peer(server.endpoint(host), key(host).publishedKeys());
  }

  @BeforeEach
  void start() throws Exception {
    server = PeerServer.start("127.0.0.1", 0, "127.0.0.1", token);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A question from a host that renewed T0 ms ago and needs {@code needed} confirmations. */
  static PeerClient.Question needing(int needed) {
    return new PeerClient.Question(Duration.ofMillis(T0), TOLERANCE, needed);
  }

  /** A peer that lost the API server: its last renewal is {@code ageMillis} old. */
  static PeerServer.Answer lost(long ageMillis) {
    return new PeerServer.Answer(false, ageMillis);
  }

  @Test
  void answersOnlyWithTheToken() throws Exception {
    String endpoint = server.register("h1", key("h1"), () -> new PeerServer.Answer(true, T0));
    URI uri = URI.create(endpoint + PeerServer.API_REACHABLE_PATH + "?nonce=0123456789abcdef");
    assertThat(send(HttpRequest.newBuilder(uri).build()).statusCode()).isEqualTo(401);
    assertThat(
            send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer wrong-token-wrong-token")
                    .build())
                .statusCode())
        .isEqualTo(401);
    HttpResponse<String> ok =
        send(
            HttpRequest.newBuilder(uri)
                .header("Authorization", token.authorizationHeader())
                .build());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body())
        .contains(
            "\"apiReachable\":true",
            "\"renewalAgeMillis\":10000",
            "\"nonce\":\"0123456789abcdef\"");
  }

  @Test
  void listsWhatTheHypervisorRunsOnlyWithTheToken() throws Exception {
    server.register("h2", key("h2"), () -> new PeerServer.Answer(true, T0));
    server.registerInventory(
        "h2",
        () ->
            java.util.List.of(
                new Instance("web-1", "apps/web", Instance.State.Running, null, null, null)));
    URI uri = URI.create(server.endpoint("h2") + PeerServer.INSTANCES_PATH);
    assertThat(send(HttpRequest.newBuilder(uri).build()).statusCode()).isEqualTo(401);
    HttpResponse<String> ok =
        send(
            HttpRequest.newBuilder(uri)
                .header("Authorization", token.authorizationHeader())
                .build());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body())
        .isEqualTo("[{\"name\":\"web-1\",\"vm\":\"apps/web\",\"state\":\"Running\"}]");
  }

  @Test
  void theClientTrustsOnlySignedAnswers() {
    server.register("yes", key("yes"), () -> new PeerServer.Answer(true, T0));
    server.register("no", key("no"), () -> lost(T0));
    assertThat(client.ask(Map.of("yes", peer("yes")), needing(1)).reachingPeer()).isEqualTo("yes");
    assertThat(client.ask(Map.of("no", peer("no")), needing(1)))
        .isEqualTo(new PeerClient.Verdict(1, 1, 1, 1, null));

    // an answer signed by another host's key is not believed, though it carries the fleet's token
    PeerClient.Peer noKeysOfYes =
        new PeerClient.Peer(server.endpoint("yes"), key("no").publishedKeys());
    assertThat(client.ask(Map.of("yes", noKeysOfYes), needing(1)))
        .isEqualTo(new PeerClient.Verdict(1, 0, 0, 1, null));
  }

  /**
   * Whoever captured the fleet's token (any host, or a sniffer on the peer network) and serves a
   * host's endpoint cannot answer for it: the answer must be signed by the key the host published
   * in its own status, which only the host's identity may write.
   */
  @Test
  void aCapturedTokenForgesNoAnswer() throws Exception {
    server.register("victim", key("victim"), () -> new PeerServer.Answer(true, T0));
    try (PeerServer impostor = PeerServer.start("127.0.0.1", 0, "127.0.0.1", token)) {
      // the impostor says "victim lost the API server too", which would stop a cut-off host fencing
      impostor.register("victim", HostKey.generate(), () -> lost(T0 + 5_000));
      PeerClient.Peer redirected =
          new PeerClient.Peer(impostor.endpoint("victim"), key("victim").publishedKeys());
      assertThat(client.ask(Map.of("victim", redirected), needing(1)))
          .isEqualTo(new PeerClient.Verdict(1, 0, 0, 1, null));
    }
    assertThat(client.ask(Map.of("victim", peer("victim")), needing(1)).reachingPeer())
        .isEqualTo("victim");
  }

  /** During a rotation a host publishes its new key and the one before; answers by either count. */
  @Test
  void aKeyBeingRotatedAwayFromStillVerifies(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("peer-key");
    HostKey old = HostKey.loadOrCreate(file);
    assertThat(HostKey.loadOrCreate(file).publicKey()).isEqualTo(old.publicKey());
    java.nio.file.Files.move(file, dir.resolve("peer-key.previous"));
    HostKey rotated = HostKey.loadOrCreate(file);
    assertThat(rotated.publishedKeys()).containsExactly(rotated.publicKey(), old.publicKey());
    assertThat(java.nio.file.Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    String[] parts = {"h", "true", "0", "nonce-123"};
    assertThat(HostKey.verify(rotated.publishedKeys(), old.sign(parts), parts)).isTrue();
    assertThat(HostKey.verify(rotated.publishedKeys(), rotated.sign(parts), parts)).isTrue();
    assertThat(HostKey.verify(rotated.publishedKeys(), HostKey.generate().sign(parts), parts))
        .isFalse();
  }

  /** Prometheus scrapes without the token; a refused credential is counted apart. */
  @Test
  void servesMetricsWithoutTheToken() throws Exception {
    AgentMetrics.Host h1 = server.metrics().forHost("h1", () -> 12.5, () -> true);
    h1.renewed();
    h1.refused();
    h1.refused();
    HttpResponse<String> metrics =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + PeerServer.METRICS_PATH))
                .build());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains(
            "vmha_agent_heartbeat_renewals_total{host=\"h1\",outcome=\"credential_refused\"} 2.0",
            "vmha_agent_heartbeat_renewals_total{host=\"h1\",outcome=\"acknowledged\"} 1.0",
            "vmha_agent_heartbeat_renewal_age_seconds{host=\"h1\"} 12.5",
            "vmha_agent_self_fenced{host=\"h1\"} 1.0");
  }

  /** The renewal age is signed: a man in the middle cannot make a late loser look early. */
  @Test
  void aTamperedRenewalAgeIsNotBelieved() throws Exception {
    PeerServer.Answer answer = lost(1_000);
    String nonce = "0123456789abcdef";
    String signature = key("late").sign(answer.signedParts("late", nonce));
    String forged = Long.toString(T0);
    var published = key("late").publishedKeys();
    assertThat(HostKey.verify(published, signature, "late", "false", forged, nonce)).isFalse();
    assertThat(HostKey.verify(published, signature, answer.signedParts("late", nonce))).isTrue();
  }

  @Test
  void onlyPeersThatLostTheApiNoLaterConfirmAnOutage() {
    // ages are measured when the peer answers; the asker takes the round trip off (local: < 200 ms)
    server.register("earlier", key("earlier"), () -> lost(T0 + 5_000));
    server.register(
        "within-tolerance", key("within-tolerance"), () -> lost(T0 - TOLERANCE.toMillis() + 200));
    server.register("later", key("later"), () -> lost(T0 - TOLERANCE.toMillis() - 1));
    Map<String, PeerClient.Peer> peers = new HashMap<>();
    for (String host : new String[] {"earlier", "within-tolerance", "later"}) {
      peers.put(host, peer(host));
    }
    for (String host : peers.keySet()) {
      PeerClient.Verdict alone = client.ask(Map.of(host, peers.get(host)), needing(1));
      assertThat(alone.answered()).isEqualTo(1);
      assertThat(alone.outageConfirmed()).as(host).isEqualTo(!host.equals("later"));
    }
    assertThat(client.ask(peers, needing(3)).outageConfirmed()).isFalse();
    assertThat(client.ask(peers, needing(2)).outageConfirmed()).isTrue();
  }

  @Test
  void aDeadOrUnreachableAgentConfirmsNothing() {
    server.register("gone", key("gone"), () -> lost(T0));
    server.unregister("gone");
    server.register("cut-off", key("cut-off"), () -> null);
    assertThat(client.ask(Map.of("gone", peer("gone")), needing(1)))
        .isEqualTo(new PeerClient.Verdict(1, 0, 0, 1, null));
    assertThat(client.ask(Map.of("cut-off", peer("cut-off")), needing(1)))
        .isEqualTo(new PeerClient.Verdict(1, 0, 0, 1, null));
    assertThat(
            client.ask(
                Map.of(
                    "nowhere",
                    new PeerClient.Peer(
                        "http://127.0.0.1:1/hosts/nowhere", key("nowhere").publishedKeys())),
                needing(1)))
        .isEqualTo(new PeerClient.Verdict(1, 0, 0, 1, null));
  }

  /**
   * A large fleet: the answer needs confirmations from more than half of it, not from a sample, and
   * the asking stops once the outcome is certain.
   */
  @Test
  void inALargeFleetEveryPeerNeededIsAskedAndNoMore() {
    Map<String, PeerClient.Peer> peers = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      String host = "h" + i;
      server.register(host, key(host), () -> lost(T0));
      peers.put(host, peer(host));
    }
    PeerClient.Verdict outage = client.ask(peers, needing(200));
    assertThat(outage.outageConfirmed()).isTrue();
    assertThat(outage.confirmed()).isGreaterThanOrEqualTo(200);
    assertThat(outage.asked()).isLessThanOrEqualTo(200 + PeerClient.IN_FLIGHT).isLessThan(500);

    // one peer that reaches the API server is found among the silent ones, wherever it is
    server.register("h150", key("h150"), () -> new PeerServer.Answer(true, T0));
    PeerClient.Verdict reached = client.ask(peers, needing(500));
    assertThat(reached.reachingPeer()).isEqualTo("h150");
    assertThat(reached.outageConfirmed()).isFalse();

    // more are needed than there are peers: nobody can confirm enough, decided without waiting
    PeerClient.Verdict impossible = client.ask(Map.of("h1", peer("h1")), needing(2));
    assertThat(impossible.asked()).isZero();
    assertThat(impossible.outageConfirmed()).isFalse();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
