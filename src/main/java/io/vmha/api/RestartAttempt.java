package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A failed attempt to start the VM (F6). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestartAttempt {
  @JsonPropertyDescription("Host of the attempt.")
  private String host;

  @JsonPropertyDescription("Instance that failed.")
  private String instanceName;

  @JsonPropertyDescription("When the attempt failed (RFC 3339).")
  private String time;

  @JsonPropertyDescription("Why it failed, as the agent reported it.")
  private String reason;

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getInstanceName() {
    return instanceName;
  }

  public void setInstanceName(String instanceName) {
    this.instanceName = instanceName;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }
}
