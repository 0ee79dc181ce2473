package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** HA settings of a VM or a template's defaults for its VMs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HighAvailability {
  @JsonPropertyDescription(
      "Restart the VM on another host when its host fails. When unset, the template's value applies, and true without a template.")
  private Boolean enabled;

  @JsonPropertyDescription(
      "Order in which failed-over and migrating VMs take capacity: High, Medium or Low. When unset, the template's value applies, and Medium without a template.")
  private Priority priority;

  @JsonPropertyDescription(RestartReadiness.DESCRIPTION)
  private RestartReadiness readiness;

  public HighAvailability() {}

  public HighAvailability(Boolean enabled, Priority priority) {
    this.enabled = enabled;
    this.priority = priority;
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Priority getPriority() {
    return priority;
  }

  public void setPriority(Priority priority) {
    this.priority = priority;
  }

  public RestartReadiness getReadiness() {
    return readiness;
  }

  public void setReadiness(RestartReadiness readiness) {
    this.readiness = readiness;
  }
}
