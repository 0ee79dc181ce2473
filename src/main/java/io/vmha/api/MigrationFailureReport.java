package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Live migrations of an instance to one target that failed in a row. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationFailureReport {
  @JsonPropertyDescription("The host the migrations went to.")
  private String target;

  @JsonPropertyDescription("How many failed in a row.")
  private Integer attempts;

  @JsonPropertyDescription("The last failure, as the hypervisor put it.")
  private String message;

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
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
