package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How the operator reaches a host's BMC over Redfish. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.insecure) && self.insecure && has(self.caBundle))",
    message = "caBundle is the certificate authority to verify the BMC with; insecure skips that")
public class RedfishBmc {
  @Required
  @Pattern("^https://[^/]+/?$")
  @Size(max = 512)
  @JsonPropertyDescription(
      "The BMC's base URL, https and host and port only, e.g. https://10.0.40.11 (the operator"
          + " adds /redfish/v1/Systems/<systemId>). Never plain http: the credentials go with"
          + " every request. The operator must reach it: BMCs usually sit on a management"
          + " network.")
  private String endpoint;

  @Required
  @Size(min = 1, max = 256)
  @JsonPropertyDescription(
      "The ComputerSystem id under /redfish/v1/Systems/ that this host is, e.g. 1 or System.Embedded.1.")
  private String systemId;

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription(
      "A Secret in the operator's namespace with keys username and password. The chart grants the"
          + " operator read access to the Secrets listed in powerFencing.credentialsSecrets only.")
  private String credentialsSecret;

  @JsonPropertyDescription(
      "PEM certificates of the authority that signed the BMC's certificate; without it the"
          + " operator's default trust store verifies it.")
  private String caBundle;

  @Default("false")
  @JsonPropertyDescription(
      "Skip verifying the BMC's certificate and host name. Anyone on the path could then take"
          + " the credentials or fake a power-off confirmation.")
  private Boolean insecure;

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getSystemId() {
    return systemId;
  }

  public void setSystemId(String systemId) {
    this.systemId = systemId;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public String getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(String caBundle) {
    this.caBundle = caBundle;
  }

  public Boolean getInsecure() {
    return insecure;
  }

  public void setInsecure(Boolean insecure) {
    this.insecure = insecure;
  }
}
