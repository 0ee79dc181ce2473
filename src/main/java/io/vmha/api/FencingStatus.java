package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A fencing request for a host, set by the operator (S4). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FencingStatus {
  @JsonPropertyDescription("The operator asks the host's agent to fence itself.")
  private Boolean requested;

  @JsonPropertyDescription("Why fencing was requested, e.g. SpmStorageLost.")
  private String reason;

  @JsonPropertyDescription("When fencing was requested (RFC 3339).")
  private String requestedAt;

  public Boolean getRequested() {
    return requested;
  }

  public void setRequested(Boolean requested) {
    this.requested = requested;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getRequestedAt() {
    return requestedAt;
  }

  public void setRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
  }
}
