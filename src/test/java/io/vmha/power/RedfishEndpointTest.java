package io.vmha.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What an administrator gives vmha to reach a BMC, and what vmha refuses to do with it. */
class RedfishEndpointTest {
  private static final BmcCredentials ADMIN = new BmcCredentials("admin", "s3cret-Pa55");

  @Test
  void thePasswordNeverShowsInTextVmhaPrints() {
    RedfishEndpoint endpoint =
        new RedfishEndpoint(URI.create("https://10.0.0.5:8443"), "1", ADMIN, "PEM", true);

    assertThat(ADMIN.toString()).contains("admin").doesNotContain("s3cret-Pa55");
    assertThat(endpoint.toString()).contains("https://10.0.0.5:8443", "admin", "insecure");
    assertThat(endpoint.toString()).doesNotContain("s3cret-Pa55");
    assertThat(new RedfishClient(endpoint, Duration.ofSeconds(1)).toString())
        .doesNotContain("s3cret-Pa55");
  }

  @Test
  void theSystemIsAddressedUnderTheBaseUrl() {
    assertThat(
            new RedfishEndpoint(
                    URI.create("https://bmc:8443/"), "System.Embedded.1", ADMIN, null, false)
                .systemUri())
        .isEqualTo(URI.create("https://bmc:8443/redfish/v1/Systems/System.Embedded.1"));
    // an id cannot reach another resource of the BMC
    assertThat(
            new RedfishEndpoint(URI.create("https://bmc"), "../Managers/1", ADMIN, null, false)
                .systemUri())
        .isEqualTo(URI.create("https://bmc/redfish/v1/Systems/..%2FManagers%2F1"));
  }

  @Test
  void aBmcWithoutTlsIsRefused() {
    assertThatThrownBy(
            () -> new RedfishEndpoint(URI.create("http://10.0.0.5"), "1", ADMIN, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clear text");
  }

  @Test
  void aCaBundleThatHoldsNoCertificateIsRefusedWhenTheClientIsBuilt() {
    RedfishEndpoint notPem =
        new RedfishEndpoint(URI.create("https://bmc"), "1", ADMIN, "not a certificate", false);

    assertThatThrownBy(() -> new RedfishClient(notPem, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://bmc")
        .hasMessageContaining("CA bundle");
  }

  @Test
  void redfishErrorMessagesAreQuotedForTheAdministrator() {
    String body =
        """
        {"error": {"code": "Base.1.0.GeneralError", "message": "A general error has occurred.",
          "@Message.ExtendedInfo": [{"MessageId": "Base.1.8.ActionParameterValueNotInList",
            "Message": "The value Off for ResetType is not in the list of acceptable values."}]}}
        """;

    assertThat(RedfishFailures.redfishMessage(body))
        .isEqualTo(
            "A general error has occurred.; The value Off for ResetType is not in the list of"
                + " acceptable values.");
    assertThat(RedfishFailures.redfishMessage("<html>Bad Request</html>")).isEmpty();
  }
}
