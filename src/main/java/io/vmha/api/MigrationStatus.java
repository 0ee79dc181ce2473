package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A live migration in progress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationStatus {
  @JsonPropertyDescription("Host the instance is leaving.")
  private String sourceHost;

  @JsonPropertyDescription("Host the instance is moving to.")
  private String targetHost;

  @JsonPropertyDescription("StorageLost, NetworkLost, Maintenance or HostDeleting.")
  private String cause;

  @JsonPropertyDescription("When the migration was requested (RFC 3339).")
  private String startedAt;

  public String getSourceHost() {
    return sourceHost;
  }

  public void setSourceHost(String sourceHost) {
    this.sourceHost = sourceHost;
  }

  public String getTargetHost() {
    return targetHost;
  }

  public void setTargetHost(String targetHost) {
    this.targetHost = targetHost;
  }

  public String getCause() {
    return cause;
  }

  public void setCause(String cause) {
    this.cause = cause;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }
}
