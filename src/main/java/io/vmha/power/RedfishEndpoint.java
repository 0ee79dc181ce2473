package io.vmha.power;

import java.net.URI;
import java.util.Objects;

/**
 * Where one host's power is controlled: its BMC's address ({@code https://10.0.0.5:8443}, to which
 * the client appends {@code /redfish/v1/Systems/{systemId}}), the ComputerSystem id on that BMC
 * ({@code System.Embedded.1} on iDRAC, {@code 1} on iLO, a UUID on sushy-tools), the account, and
 * how to trust its certificate.
 *
 * @param caBundlePem PEM text of the CA certificates to trust instead of the JVM's default trust
 *     store (BMCs usually carry self-signed or in-house certificates); null for the default store
 * @param insecure accept any certificate for any name; an explicit opt-in, for BMCs whose
 *     certificate cannot be trusted any other way
 */
public record RedfishEndpoint(
    URI baseUrl,
    String systemId,
    BmcCredentials credentials,
    String caBundlePem,
    boolean insecure) {

  public RedfishEndpoint {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(systemId, "systemId");
    Objects.requireNonNull(credentials, "credentials");
    // basic auth sends the password with every request: never in clear text
    if (!"https".equalsIgnoreCase(baseUrl.getScheme()) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "BMC address "
              + baseUrl
              + " is not https://host[:port]: the password must not travel in clear text");
    }
    if (systemId.isBlank()) {
      throw new IllegalArgumentException("BMC " + baseUrl + ": the system id is empty");
    }
  }

  /** The ComputerSystem resource: {@code {baseUrl}/redfish/v1/Systems/{systemId}}. */
  public URI systemUri() {
    String base = baseUrl.toString().replaceAll("/+$", "");
    return URI.create(base + "/redfish/v1/Systems/" + pathSegment(systemId));
  }

  // ids are usually plain, but an id is data from a spec and must not escape its path segment
  private static String pathSegment(String id) {
    StringBuilder out = new StringBuilder();
    for (byte b : id.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "RedfishEndpoint[baseUrl="
        + baseUrl
        + ", systemId="
        + systemId
        + ", username="
        + credentials.username()
        + (caBundlePem != null ? ", own CA bundle" : "")
        + (insecure ? ", insecure" : "")
        + "]";
  }
}
