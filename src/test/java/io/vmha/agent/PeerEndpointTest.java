package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PeerEndpointTest {
  final PeerToken token = PeerToken.of("a-shared-secret-of-the-fleet");
  PeerServer server;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = PeerServer.start("127.0.0.1", 0, "127.0.0.1", token);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void answersOnlyWithTheToken() throws Exception {
    String endpoint = server.register("h1", () -> true);
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
    assertThat(ok.body()).contains("\"apiReachable\":true", "\"nonce\":\"0123456789abcdef\"");
  }

  @Test
  void theClientTrustsOnlySignedAnswers() {
    server.register("yes", () -> true);
    server.register("no", () -> false);
    PeerClient client = new PeerClient(token, Duration.ofSeconds(1));
    assertThat(client.ask(Map.of("yes", server.endpoint("yes"))).reachingPeer()).isEqualTo("yes");
    assertThat(client.ask(Map.of("no", server.endpoint("no"))))
        .isEqualTo(new PeerClient.Verdict(1, 1, null));

    // a peer whose answers are signed with another token (or forged) is not believed
    PeerClient stranger =
        new PeerClient(PeerToken.of("another-secret-entirely"), Duration.ofSeconds(1));
    assertThat(stranger.ask(Map.of("yes", server.endpoint("yes"))))
        .isEqualTo(new PeerClient.Verdict(1, 0, null));
  }

  @Test
  void aDeadAgentDoesNotAnswer() {
    server.register("gone", () -> true);
    server.unregister("gone");
    PeerClient client = new PeerClient(token, Duration.ofSeconds(1));
    assertThat(client.ask(Map.of("gone", server.endpoint("gone"))))
        .isEqualTo(new PeerClient.Verdict(1, 0, null));
    assertThat(client.ask(Map.of("nowhere", "http://127.0.0.1:1/hosts/nowhere")))
        .isEqualTo(new PeerClient.Verdict(1, 0, null));
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
