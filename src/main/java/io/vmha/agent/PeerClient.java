package io.vmha.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks peers whether they reach the API server. Peers are asked at once, at most {@link
 * #MAX_PEERS_ASKED} picked at random, each with a timeout; an answer counts only if it is signed
 * with the shared token over our nonce. No answer counts as "cannot".
 */
public final class PeerClient {
  public static final int MAX_PEERS_ASKED = 16;
  private static final Logger LOG = LoggerFactory.getLogger(PeerClient.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HttpClient http;
  private final PeerToken token;
  private final Duration timeout;
  private final ObjectMapper json = new ObjectMapper();

  public PeerClient(PeerToken token, Duration timeout) {
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /**
   * What the peers said.
   *
   * @param asked how many peers were asked
   * @param answered how many gave a valid, signed answer
   * @param reachingPeer a peer that reaches the API server, or null if none does
   */
  public record Verdict(int asked, int answered, String reachingPeer) {
    public boolean someoneReachesApi() {
      return reachingPeer != null;
    }
  }

  /** Asks the peers (host name to endpoint URL) and waits at most about the timeout. */
  public Verdict ask(Map<String, String> peers) {
    List<Map.Entry<String, String>> chosen = new ArrayList<>(peers.entrySet());
    Collections.shuffle(chosen, RANDOM);
    if (chosen.size() > MAX_PEERS_ASKED) {
      chosen = chosen.subList(0, MAX_PEERS_ASKED);
    }
    List<CompletableFuture<Boolean>> answers = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, String> peer : chosen) {
      names.add(peer.getKey());
      answers.add(askOne(peer.getKey(), peer.getValue()));
    }
    int answered = 0;
    String reaching = null;
    long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(100);
    for (int i = 0; i < answers.size(); i++) {
      Boolean answer;
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        answer = answers.get(i).get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        answer = null;
      }
      if (answer != null) {
        answered++;
        if (answer && reaching == null) {
          reaching = names.get(i);
        }
      }
    }
    answers.forEach(a -> a.cancel(true));
    return new Verdict(chosen.size(), answered, reaching);
  }

  /** True/false: the peer's signed answer; null: no valid answer. */
  private CompletableFuture<Boolean> askOne(String host, String endpoint) {
    String nonce = HexFormat.of().formatHex(randomBytes());
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(
                  URI.create(endpoint + PeerServer.API_REACHABLE_PATH + "?nonce=" + nonce))
              .timeout(timeout)
              .header("Authorization", token.authorizationHeader())
              .GET()
              .build();
    } catch (IllegalArgumentException e) {
      LOG.debug("peer {} has a malformed endpoint {}", host, endpoint);
      return CompletableFuture.completedFuture(null);
    }
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null || response.statusCode() != 200) {
                return null;
              }
              try {
                JsonNode body = json.readTree(response.body());
                boolean reachable = body.path("apiReachable").asBoolean(false);
                String answeredFor = body.path("host").asText("");
                if (!host.equals(answeredFor)
                    || !nonce.equals(body.path("nonce").asText(""))
                    || !token.verify(
                        body.path("signature").asText(null),
                        answeredFor,
                        Boolean.toString(reachable),
                        nonce)) {
                  LOG.warn(
                      "peer {} gave an answer that is not signed for our question: ignored", host);
                  return null;
                }
                return reachable;
              } catch (Exception e) {
                return null;
              }
            });
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
