package io.vmha.power;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One host's power through its BMC's Redfish API: {@code GET /redfish/v1/Systems/{id}} for the
 * power state, {@code POST .../Actions/ComputerSystem.Reset} to cut or restore it. Each request
 * carries the credentials (basic auth, sent up front: BMCs do not all challenge) and gives up after
 * the request timeout. Thread-safe.
 */
public final class RedfishClient implements PowerController {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Integer> ACTION_ACCEPTED = Set.of(200, 202, 204);

  private final RedfishEndpoint endpoint;
  private final Duration requestTimeout;
  private final HttpClient http;
  private final String authorization;
  private final RedfishFailures failures;

  public RedfishClient(RedfishEndpoint endpoint, Duration requestTimeout) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
    }
    this.http =
        HttpClient.newBuilder()
            .sslContext(BmcTrust.contextFor(endpoint))
            .connectTimeout(requestTimeout)
            // BMC web servers speak HTTP/1.1; h2 negotiation has nothing to offer them
            .version(HttpClient.Version.HTTP_1_1)
            // a redirect may lead to another host, which must not receive the credentials
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    BmcCredentials credentials = endpoint.credentials();
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (credentials.username() + ":" + credentials.password())
                        .getBytes(StandardCharsets.UTF_8));
    this.failures = new RedfishFailures(endpoint, requestTimeout);
  }

  public RedfishEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public PowerState powerState() throws PowerException {
    String action = "reading the power state of system " + endpoint.systemId();
    HttpResponse<String> response = send(get(endpoint.systemUri()), action);
    if (response.statusCode() != 200) {
      throw refusal(response, action);
    }
    JsonNode state;
    try {
      state = JSON.readTree(response.body()).path("PowerState");
    } catch (JsonProcessingException e) {
      throw failures.badResponse(action, "the answer is not JSON: " + e.getOriginalMessage(), e);
    }
    if (!state.isTextual()) {
      return PowerState.Unknown;
    }
    return PowerState.fromRedfish(state.asText());
  }

  @Override
  public void forceOff() throws PowerException {
    reset("ForceOff");
  }

  @Override
  public void powerOn() throws PowerException {
    reset("On");
  }

  private void reset(String resetType) throws PowerException {
    String action = resetType + " of system " + endpoint.systemId();
    URI uri = URI.create(endpoint.systemUri() + "/Actions/ComputerSystem.Reset");
    String body = JSON.createObjectNode().put("ResetType", resetType).toString();
    HttpRequest request =
        request(uri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = send(request, action);
    if (!ACTION_ACCEPTED.contains(response.statusCode())) {
      throw refusal(response, action);
    }
  }

  private PowerException refusal(HttpResponse<String> response, String action) {
    return failures.ofStatus(
        response.statusCode(),
        response.body(),
        response.headers().firstValue("Location").orElse("(no Location)"),
        action,
        response.statusCode() == 404 ? systemIds() : List.of());
  }

  /** The ids the BMC serves, to name them when the configured one is wrong; empty if unknown. */
  private List<String> systemIds() {
    List<String> ids = new ArrayList<>();
    try {
      URI collection = URI.create(endpoint.systemUri().toString().replaceAll("/[^/]*$", ""));
      HttpResponse<String> response = http.send(get(collection), bodyAsString());
      if (response.statusCode() == 200) {
        for (JsonNode member : JSON.readTree(response.body()).path("Members")) {
          String link = member.path("@odata.id").asText("");
          ids.add(link.replaceAll("/+$", "").replaceAll(".*/", ""));
        }
      }
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    return ids;
  }

  private HttpRequest get(URI uri) {
    return request(uri).GET().build();
  }

  private HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("Authorization", authorization)
        .header("Accept", "application/json")
        // the Redfish specification asks clients to name the OData version they speak
        .header("OData-Version", "4.0");
  }

  private HttpResponse<String> send(HttpRequest request, String action) throws PowerException {
    try {
      return http.send(request, bodyAsString());
    } catch (IOException e) {
      throw failures.of(e, action);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failures.interrupted(action, e);
    }
  }

  private static HttpResponse.BodyHandler<String> bodyAsString() {
    return HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "RedfishClient[" + endpoint + "]";
  }
}
