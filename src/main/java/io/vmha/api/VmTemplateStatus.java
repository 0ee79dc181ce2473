package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Observed state of a template. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmTemplateStatus {
  @JsonPropertyDescription(
      "Instance names handed out so far: the next instance is <template>-<instanceCounter+1>. Never decreases.")
  private Long instanceCounter;

  @JsonPropertyDescription("Ready, InUse.")
  private List<Condition> conditions;

  @JsonPropertyDescription("metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Number of VirtualMachines made from this template.")
  private Integer vmCount;

  public Long getInstanceCounter() {
    return instanceCounter;
  }

  public void setInstanceCounter(Long instanceCounter) {
    this.instanceCounter = instanceCounter;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Integer getVmCount() {
    return vmCount;
  }

  public void setVmCount(Integer vmCount) {
    this.vmCount = vmCount;
  }
}
