package io.vmha.agent.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.DriverException;
import io.vmha.agent.Instance;
import io.vmha.agent.PeerServer;
import io.vmha.agent.PeerToken;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Live migration between simulated hosts that run in different processes ({@code vmha agent
 * --driver simulated}, one per host, as a user tries the product): the source hands the instance to
 * the target's agent over the target's peer endpoint. Real hypervisors migrate between themselves
 * and never use this.
 */
final class PeerMigrations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PeerToken token;
  private final Duration timeout;
  private final HttpClient http;

  PeerMigrations(PeerToken token, Duration timeout) {
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /**
   * Hands {@code moving} over to {@code targetHost}, whose agent answers at {@code endpoint}.
   *
   * @throws DriverException if the target refuses it or cannot be reached
   */
  void send(SimulatedDriver.SimInstance moving, String targetHost, String endpoint)
      throws DriverException {
    Instance instance = moving.instance();
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("name", instance.name());
    item.put("vm", instance.vmKey());
    item.put("state", instance.state().name());
    item.put("reason", instance.reason());
    item.put("resources", instance.resources());
    item.put("since", instance.since() == null ? null : instance.since().toString());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("instance", item);
    body.put("image", moving.image());
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(URI.create(endpoint + PeerServer.MIGRATE_IN_PATH))
                  .timeout(timeout)
                  .header("Authorization", token.authorizationHeader())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new DriverException("cannot reach " + targetHost + " at " + endpoint + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("interrupted while migrating to " + targetHost);
    }
    if (response.statusCode() != 200) {
      throw new DriverException(
          targetHost
              + " refused the migration ("
              + response.statusCode()
              + "): "
              + error(response));
    }
  }

  /** The instance a peer handed over. */
  static SimulatedDriver.SimInstance read(JsonNode handover) {
    JsonNode item = handover.path("instance");
    String since = item.path("since").asText(null);
    Instance instance =
        new Instance(
            item.path("name").asText(),
            item.path("vm").isNull() ? null : item.path("vm").asText(null),
            Instance.State.valueOf(item.path("state").asText()),
            item.path("reason").isNull() ? null : item.path("reason").asText(null),
            JSON.convertValue(item.path("resources"), Resources.class),
            since == null ? null : Instant.parse(since));
    JsonNode image = handover.path("image");
    return new SimulatedDriver.SimInstance(
        instance,
        image.isMissingNode() || image.isNull() ? null : JSON.convertValue(image, ImageRef.class));
  }

  private static String error(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body()).path("error").asText(response.body());
    } catch (IOException e) {
      return response.body();
    }
  }
}
