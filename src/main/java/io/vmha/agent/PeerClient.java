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
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks peers whether they lost the API server too, for an agent that is due to fence (F4). An
 * answer counts only if it is signed over our nonce by a key the asked host published in its own
 * status ({@link HostKey}); no answer counts as nothing (neither "reaches the API server" nor
 * "confirms an outage").
 *
 * <p>Every peer may be asked, because the decision needs confirmations from more than {@code
 * maxUnhealthyFraction} of the fleet, not from a sample: peers are asked in random order, at most
 * {@link #IN_FLIGHT} at once, and the asking stops as soon as the outcome is certain (a peer
 * reaches the API server, enough confirmed, or too few are left to confirm). The whole question
 * takes at most one peer timeout, the margin H1 leaves between self-fencing and the operator's
 * judgement; peers still unasked or silent by then confirm nothing, so a slow fleet errs on the
 * side of fencing, never of fencing late.
 */
public final class PeerClient {
  /**
   * Requests open at once: live peers answer in milliseconds, a dead one holds its slot for the
   * whole question.
   */
  public static final int IN_FLIGHT = 256;

  /** Confirmations needed when the fleet is unknown: more than any fleet can give. */
  public static final int FLEET_UNKNOWN = Integer.MAX_VALUE;

  private static final Logger LOG = LoggerFactory.getLogger(PeerClient.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HttpClient http;
  private final PeerToken token;
  private final Duration timeout;
  private final UnaryOperator<String> route;
  private final ObjectMapper json = new ObjectMapper();

  public PeerClient(PeerToken token, Duration timeout) {
    this(token, timeout, HttpClient.newBuilder().connectTimeout(timeout).build(), e -> e);
  }

  /**
   * A client whose answers are handled on {@code executor}. The default is a pool that grows with
   * the requests waiting: one agent asks at most {@link #IN_FLIGHT} at once, but the hosts of a
   * simulation share one client, and a thousand of them asking together once grew it to 29,000
   * threads, each waiting for the client's one selector.
   */
  public PeerClient(PeerToken token, Duration timeout, java.util.concurrent.Executor executor) {
    this(
        token,
        timeout,
        HttpClient.newBuilder().connectTimeout(timeout).executor(executor).build(),
        e -> e);
  }

  private PeerClient(
      PeerToken token, Duration timeout, HttpClient http, UnaryOperator<String> route) {
    this.token = token;
    this.timeout = timeout;
    this.http = http;
    this.route = route;
  }

  /**
   * This client asking every peer at {@code route.apply(endpoint)}: a simulated host's questions
   * then leave through a network of its own, which the simulation can cut. A route that throws
   * {@link java.io.UncheckedIOException} leaves that peer unasked.
   */
  public PeerClient routed(UnaryOperator<String> route) {
    return new PeerClient(token, timeout, http, route);
  }

  /**
   * What the asking agent wants to know.
   *
   * @param renewalAge how long ago the asker sent its last acknowledged renewal, when it asks
   * @param tolerance how much later a peer may have lost the API server and still confirm
   * @param confirmationsNeeded how many confirming peers make an outage the operator surely sees;
   *     {@link #FLEET_UNKNOWN} when this agent does not know its fleet (no journal and no API
   *     server): then nothing can confirm an outage
   */
  public record Question(Duration renewalAge, Duration tolerance, int confirmationsNeeded) {
    /**
     * A peer confirms if its renewal is at least as old as ours, less the tolerance. Its age was
     * measured when it answered, up to {@code roundTrip} after we asked: that much is taken off, so
     * a slow answer never makes a peer look as if it lost the API server earlier than it did.
     */
    boolean confirmedBy(PeerServer.Answer answer, Duration roundTrip) {
      long peerAgeAtQuestion = answer.renewalAgeMillis() - roundTrip.toMillis();
      return !answer.apiReachable() && peerAgeAtQuestion >= renewalAge.minus(tolerance).toMillis();
    }
  }

  /**
   * What the peers said.
   *
   * @param asked how many peers were asked
   * @param answered how many gave a valid, signed answer
   * @param confirmed how many of those lost the API server no later than the asker (within the
   *     tolerance)
   * @param needed how many confirmations the question needed
   * @param reachingPeer a peer that reaches the API server, or null if none said so
   */
  public record Verdict(int asked, int answered, int confirmed, int needed, String reachingPeer) {
    /** Nobody was asked (no peers known, or this host cannot reach them). */
    public static Verdict nobodyAsked(int needed) {
      return new Verdict(0, 0, 0, needed, null);
    }

    public boolean someoneReachesApi() {
      return reachingPeer != null;
    }

    /** Enough peers lost the API server with us for the operator to have frozen failover. */
    public boolean outageConfirmed() {
      return reachingPeer == null && confirmed >= needed;
    }
  }

  /**
   * A peer as its own status describes it: where it answers, and the keys its answers must be
   * signed with.
   */
  public record Peer(String endpoint, List<String> keys) {}

  /** Asks the peers (by host name) and waits at most about the timeout. */
  public Verdict ask(Map<String, Peer> peers, Question question) {
    if (question.confirmationsNeeded() == 0 || peers.size() < question.confirmationsNeeded()) {
      // decided already: this host alone is more than the fraction (the operator freezes whatever
      // the peers say), or even all of them could not confirm enough
      return Verdict.nobodyAsked(question.confirmationsNeeded());
    }
    List<Map.Entry<String, Peer>> order = new ArrayList<>(peers.entrySet());
    Collections.shuffle(order, RANDOM);
    Tally tally = new Tally(question, order);
    for (int i = 0; i < Math.min(IN_FLIGHT, order.size()); i++) {
      askNext(tally);
    }
    try {
      tally.done.get(timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      LOG.debug("peers did not all answer within {}", timeout);
    }
    return tally.close();
  }

  private void askNext(Tally tally) {
    Map.Entry<String, Peer> peer = tally.next();
    if (peer == null) {
      return;
    }
    CompletableFuture<TimedAnswer> answer = askOne(peer.getKey(), peer.getValue());
    tally.inFlight(answer);
    answer.whenComplete(
        (a, error) -> {
          if (tally.record(peer.getKey(), error == null ? a : null)) {
            askNext(tally);
          }
        });
  }

  /** The running count of one question; decides as soon as the outcome cannot change. */
  private static final class Tally {
    final Question question;
    final List<Map.Entry<String, Peer>> order;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final List<CompletableFuture<?>> pending = new ArrayList<>();
    int launched;
    int completed;
    int answered;
    int confirmed;
    String reaching;
    boolean closed;

    Tally(Question question, List<Map.Entry<String, Peer>> order) {
      this.question = question;
      this.order = order;
      if (order.isEmpty()) {
        done.complete(null);
      }
    }

    synchronized Map.Entry<String, Peer> next() {
      if (closed || done.isDone() || launched == order.size()) {
        return null;
      }
      return order.get(launched++);
    }

    synchronized void inFlight(CompletableFuture<?> request) {
      if (closed) {
        request.cancel(true);
      } else {
        pending.add(request);
      }
    }

    /** Counts one answer (null: none); returns whether to ask another peer. */
    synchronized boolean record(String host, TimedAnswer timed) {
      if (closed) {
        return false;
      }
      completed++;
      if (timed != null) {
        PeerServer.Answer answer = timed.answer();
        answered++;
        if (answer.apiReachable() && reaching == null) {
          reaching = host;
        } else if (question.confirmedBy(answer, timed.roundTrip())) {
          confirmed++;
        }
      }
      int unanswered = order.size() - completed;
      if (reaching != null
          || confirmed >= question.confirmationsNeeded()
          || confirmed + unanswered < question.confirmationsNeeded()
          || unanswered == 0) {
        done.complete(null);
        return false;
      }
      return true;
    }

    synchronized Verdict close() {
      closed = true;
      pending.forEach(p -> p.cancel(true));
      return new Verdict(launched, answered, confirmed, question.confirmationsNeeded(), reaching);
    }
  }

  /** A peer's answer and how long it took to come. */
  private record TimedAnswer(PeerServer.Answer answer, Duration roundTrip) {}

  /** The peer's signed answer, or null without a valid one. */
  private CompletableFuture<TimedAnswer> askOne(String host, Peer peer) {
    String endpoint = peer.endpoint();
    long sent = System.nanoTime();
    String nonce = HexFormat.of().formatHex(randomBytes());
    HttpRequest request;
    try {
      endpoint = route.apply(endpoint);
      request =
          HttpRequest.newBuilder(
                  URI.create(endpoint + PeerServer.API_REACHABLE_PATH + "?nonce=" + nonce))
              .timeout(timeout)
              .header("Authorization", token.authorizationHeader())
              .GET()
              .build();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      LOG.debug("peer {} cannot be asked at {}: {}", host, endpoint, e.toString());
      return CompletableFuture.completedFuture(null);
    }
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null || response.statusCode() != 200) {
                return null;
              }
              try {
                PeerServer.Answer answer =
                    verified(host, peer.keys(), nonce, json.readTree(response.body()));
                return answer == null
                    ? null
                    : new TimedAnswer(answer, Duration.ofNanos(System.nanoTime() - sent));
              } catch (Exception e) {
                return null;
              }
            });
  }

  private PeerServer.Answer verified(String host, List<String> keys, String nonce, JsonNode body) {
    PeerServer.Answer answer =
        new PeerServer.Answer(
            body.path("apiReachable").asBoolean(false), body.path("renewalAgeMillis").asLong(0));
    if (!host.equals(body.path("host").asText(""))
        || !nonce.equals(body.path("nonce").asText(""))
        || !HostKey.verify(
            keys, body.path("signature").asText(null), answer.signedParts(host, nonce))) {
      LOG.warn(
          "peer {} gave an answer that is not signed for our question by its own key: ignored",
          host);
      return null;
    }
    return answer;
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
