package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last power fence of a host, written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PowerFencingStatus {
  @JsonPropertyDescription(
      "PoweringOff: the power-off was sent and the BMC has not confirmed yet. PoweredOff: the BMC"
          + " confirmed the host is off. Failed: the BMC could not be reached, refused, or did not"
          + " confirm in time.")
  private String state;

  @JsonPropertyDescription("When the operator began this fence (operator clock, RFC 3339).")
  private String requestedAt;

  @JsonPropertyDescription("When the BMC confirmed the host is off (RFC 3339).")
  private String confirmedAt;

  @JsonPropertyDescription("Power-off requests sent to the BMC for this fence.")
  private Integer attempts;

  @JsonPropertyDescription("What the BMC answered, or why the fence failed.")
  private String message;

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getRequestedAt() {
    return requestedAt;
  }

  public void setRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
  }

  public String getConfirmedAt() {
    return confirmedAt;
  }

  public void setConfirmedAt(String confirmedAt) {
    this.confirmedAt = confirmedAt;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
