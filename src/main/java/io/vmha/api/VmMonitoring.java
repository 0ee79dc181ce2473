package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * VM monitoring (rules.md M1): a guest whose guest agent stops answering on a healthy host is reset
 * in place, a bounded number of times. Durations are written as the operator's settings are ({@code
 * 30s}, {@code 2m}, {@code 1h}: one number and one unit), which CEL's {@code duration()} reads too.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.resetWindow) || !has(self.failureInterval)"
            + " || duration(self.resetWindow) >= duration(self.failureInterval)",
    message =
        "monitoring.resetWindow must not be shorter than monitoring.failureInterval: no second reset"
            + " could ever fall within it")
public class VmMonitoring {
  static final String DESCRIPTION =
      "VM monitoring: reset the guest in place when its guest agent stops answering on a healthy"
          + " host, at most maxResets times within resetWindow.";

  /** The CEL rule of a VM or template: monitoring only where the guest runs a guest agent. */
  static final String NEEDS_GUEST_AGENT =
      "!has(self.monitoring) || !has(self.monitoring.enabled) || !self.monitoring.enabled"
          + " || !has(self.guestAgent) || self.guestAgent";

  static final String NEEDS_GUEST_AGENT_MESSAGE =
      "monitoring.enabled watches the guest agent, which guestAgent false says the guest does not"
          + " run";

  static final String DURATION = "^[0-9]+(ms|s|m|h)$";

  /**
   * The monitoring the agent applies to a VM: its own, else its template's, as a whole; null when
   * not enabled, or when the guest runs no guest agent (the VM's {@code guestAgent}, else its
   * template's). The CRDs refuse that pair on one object, not across VM and template: a guest
   * without an agent would only ever look hung, and be reset for nothing.
   */
  public static VmMonitoring watched(VirtualMachineSpec spec, VmTemplateSpec template) {
    VmMonitoring monitoring = spec == null ? null : spec.getMonitoring();
    if (monitoring == null && template != null) {
      monitoring = template.getMonitoring();
    }
    if (monitoring == null || !Boolean.TRUE.equals(monitoring.getEnabled())) {
      return null;
    }
    Boolean guestAgent = spec == null ? null : spec.getGuestAgent();
    if (guestAgent == null && template != null) {
      guestAgent = template.getGuestAgent();
    }
    return Boolean.TRUE.equals(guestAgent) ? monitoring : null;
  }

  @Default("false")
  @JsonPropertyDescription(
      "Reset the guest in place when its guest agent stops answering (needs guestAgent). Off unless"
          + " set.")
  private Boolean enabled;

  @Default("30s")
  @Pattern(DURATION)
  @Size(max = 16)
  @JsonPropertyDescription(
      "How long the guest agent must stay silent, on a host that is Up, before the guest is reset,"
          + " e.g. 30s.")
  private String failureInterval;

  @Default("120s")
  @Pattern(DURATION)
  @Size(max = 16)
  @JsonPropertyDescription(
      "How long the guest must have run (since its start or its last reset) before it is watched:"
          + " time to boot and start its guest agent.")
  private String minUptime;

  @Default("3")
  @Min(1)
  @JsonPropertyDescription(
      "Resets within resetWindow after which the guest is left alone (condition GuestMonitored"
          + " False, reason GaveUp).")
  private Integer maxResets;

  @Default("1h")
  @Pattern(DURATION)
  @Size(max = 16)
  @JsonPropertyDescription(
      "The window over which maxResets counts, e.g. 1h; not shorter than failureInterval.")
  private String resetWindow;

  public VmMonitoring() {}

  public VmMonitoring(
      Boolean enabled,
      String failureInterval,
      String minUptime,
      Integer maxResets,
      String resetWindow) {
    this.enabled = enabled;
    this.failureInterval = failureInterval;
    this.minUptime = minUptime;
    this.maxResets = maxResets;
    this.resetWindow = resetWindow;
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getFailureInterval() {
    return failureInterval;
  }

  public void setFailureInterval(String failureInterval) {
    this.failureInterval = failureInterval;
  }

  public String getMinUptime() {
    return minUptime;
  }

  public void setMinUptime(String minUptime) {
    this.minUptime = minUptime;
  }

  public Integer getMaxResets() {
    return maxResets;
  }

  public void setMaxResets(Integer maxResets) {
    this.maxResets = maxResets;
  }

  public String getResetWindow() {
    return resetWindow;
  }

  public void setResetWindow(String resetWindow) {
    this.resetWindow = resetWindow;
  }
}
