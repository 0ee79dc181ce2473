package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Observed state of a repository. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageRepositoryStatus {
  @JsonPropertyDescription("Ready (some host reaches it), InUse (VMs or templates use it).")
  private List<Condition> conditions;

  @JsonPropertyDescription("metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Number of hosts that report reaching this repository.")
  private Integer reachableHosts;

  @JsonPropertyDescription("Number of VMs whose image is on this repository.")
  private Integer vmCount;

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

  public Integer getReachableHosts() {
    return reachableHosts;
  }

  public void setReachableHosts(Integer reachableHosts) {
    this.reachableHosts = reachableHosts;
  }

  public Integer getVmCount() {
    return vmCount;
  }

  public void setVmCount(Integer vmCount) {
    this.vmCount = vmCount;
  }
}
