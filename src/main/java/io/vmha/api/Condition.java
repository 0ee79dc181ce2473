package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A condition in the Kubernetes convention, so kstatus-based tools (Argo CD, Flux) read health. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  @Required
  @JsonPropertyDescription("Kind of condition; each kind's status.conditions lists its own.")
  private String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("One-word CamelCase reason for the condition's last transition.")
  private String reason;

  @JsonPropertyDescription("Human-readable details: what happened and what a user can do.")
  private String message;

  @JsonPropertyDescription("When the status last changed (RFC 3339).")
  private String lastTransitionTime;

  @JsonPropertyDescription("metadata.generation of the object when the condition was set.")
  private Long observedGeneration;

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  /** The condition of this type in {@code conditions} (null: none), or null. */
  public static Condition find(java.util.List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
