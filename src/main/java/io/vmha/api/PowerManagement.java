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
