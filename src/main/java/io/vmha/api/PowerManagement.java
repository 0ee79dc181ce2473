package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/**
 * Power fencing: when the host is judged lost, the operator powers it off through its BMC and
 * restarts its VMs as soon as the BMC confirms, without waiting for the self-fence deadline.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PowerManagement {
  @Required
  @JsonPropertyDescription("The host's BMC, reached over Redfish.")
  private RedfishBmc redfish;

  @Default("false")
  @JsonPropertyDescription(
      "Power the host on again once its VMs have been restarted elsewhere: it rejoins empty.")
  private Boolean restartAfterFence;

  /** A BMC verified with {@code caBundle}, its credentials in Secret {@code credentialsSecret}. */
  public static PowerManagement redfish(
      String endpoint, String systemId, String credentialsSecret, String caBundle) {
    RedfishBmc redfish = new RedfishBmc();
    redfish.setEndpoint(endpoint);
    redfish.setSystemId(systemId);
    redfish.setCredentialsSecret(credentialsSecret);
    redfish.setCaBundle(caBundle);
    PowerManagement power = new PowerManagement();
    power.setRedfish(redfish);
    return power;
  }

  public RedfishBmc getRedfish() {
    return redfish;
  }

  public void setRedfish(RedfishBmc redfish) {
    this.redfish = redfish;
  }

  public Boolean getRestartAfterFence() {
    return restartAfterFence;
  }

  public void setRestartAfterFence(Boolean restartAfterFence) {
    this.restartAfterFence = restartAfterFence;
  }
}
