package io.vmha.power;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.power.PowerException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Turns what went wrong with one request to a BMC into a {@link PowerException}: its kind, which
 * decides whether the fence retries, and a message that tells an administrator what to check.
 */
final class RedfishFailures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RedfishEndpoint endpoint;
  private final Duration timeout;

  RedfishFailures(RedfishEndpoint endpoint, Duration timeout) {
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  PowerException of(IOException e, String action) {
    if (e instanceof HttpConnectTimeoutException) {
      return failure(Kind.Unreachable, action, "no connection within " + seconds(timeout), e);
    }
    if (e instanceof HttpTimeoutException) {
      return failure(Kind.Timeout, action, "no answer within " + seconds(timeout), e);
    }
    CertificateException certificate = causeOf(e, CertificateException.class);
    if (certificate != null) {
      return failure(
          Kind.Unreachable,
          action,
          "TLS handshake failed, the BMC's certificate is not trusted ("
              + rootMessage(certificate)
              + "): give its CA as the CA bundle, or opt in to insecure",
          e);
    }
    SSLException tls = causeOf(e, SSLException.class);
    if (tls != null) {
      return failure(Kind.Unreachable, action, "TLS handshake failed: " + rootMessage(tls), e);
    }
    if (causeOf(e, ConnectException.class) != null) {
      return failure(
          Kind.Unreachable, action, "cannot connect (" + rootMessage(e) + "): is the BMC up?", e);
    }
    return failure(Kind.Unreachable, action, "I/O error: " + rootMessage(e), e);
  }

  PowerException interrupted(String action, InterruptedException e) {
    return failure(Kind.Unreachable, action, "interrupted before the BMC answered", e);
  }

  /**
   * A status other than the one the request wanted. {@code systemIds} lists the systems the BMC
   * has, for a 404 (empty when unknown).
   */
  PowerException ofStatus(
      int status, String body, String location, String action, List<String> systemIds) {
    String user = endpoint.credentials().username();
    if (status == 401) {
      return failure(
          Kind.Unauthorized,
          action,
          "credentials refused (HTTP 401): check the username (" + user + ") and password",
          null);
    }
    if (status == 403) {
      return failure(
          Kind.Unauthorized,
          action,
          "account "
              + user
              + " is not allowed to do this (HTTP 403): it needs a role that may reset the system",
          null);
    }
    if (status == 404) {
      return failure(
          Kind.NotFound,
          action,
          "no system '"
              + endpoint.systemId()
              + "' (HTTP 404)"
              + (systemIds.isEmpty() ? "" : "; this BMC has " + String.join(", ", systemIds)),
          null);
    }
    if (status >= 300 && status < 400) {
      // sushy-tools redirects a system's name to its id; real BMCs redirect to other hosts,
      // where the credentials must not follow
      return failure(
          Kind.Refused,
          action,
          "the BMC redirects (HTTP "
              + status
              + ") to "
              + location
              + ": use the address and system id it names",
          null);
    }
    String said = redfishMessage(body);
    String detail = said.isEmpty() ? "" : ": " + said;
    if (status == 501) {
      return failure(Kind.Refused, action, "not supported by this BMC (HTTP 501)" + detail, null);
    }
    if (status >= 500) {
      return failure(
          Kind.ServerError, action, "the BMC failed (HTTP " + status + ")" + detail, null);
    }
    return failure(Kind.Refused, action, "refused (HTTP " + status + ")" + detail, null);
  }

  PowerException badResponse(String action, String what, Exception cause) {
    return failure(Kind.BadResponse, action, what, cause);
  }

  /**
   * The message of a Redfish error body ({@code {"error": {"message": ..., "@Message.ExtendedInfo":
   * [{"Message": ...}]}}}), or empty: the first is often generic, the extended ones say why.
   */
  static String redfishMessage(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    JsonNode error;
    try {
      error = JSON.readTree(body).path("error");
    } catch (IOException e) {
      return "";
    }
    List<String> messages = new ArrayList<>();
    if (error.path("message").isTextual()) {
      messages.add(error.path("message").asText());
    }
    for (JsonNode info : error.path("@Message.ExtendedInfo")) {
      String message = info.path("Message").asText("");
      if (!message.isEmpty() && !messages.contains(message)) {
        messages.add(message);
      }
    }
    return String.join("; ", messages);
  }

  private PowerException failure(Kind kind, String action, String what, Throwable cause) {
    String message = "BMC " + endpoint.baseUrl() + ": " + action + ": " + what;
    return cause == null
        ? new PowerException(kind, message)
        : new PowerException(kind, message, cause);
  }

  private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  // java.net.http often wraps the failure that says what happened in a message-less exception
  private static String rootMessage(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return message != null ? message : e.getClass().getSimpleName();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
