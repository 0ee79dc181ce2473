package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A preferred affinity or anti-affinity term: the VMs it is about, and how much it counts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WeightedVmAffinityTerm {
  @Required
  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "1-100: how much the term counts, against the VM's other preferred terms.")
  private Integer weight;

  @Required
  @JsonPropertyDescription(VmAffinitySpec.TERM_SELECTOR)
  private VmLabelSelector labelSelector;

  public WeightedVmAffinityTerm() {}

  public WeightedVmAffinityTerm(int weight, VmLabelSelector labelSelector) {
    this.weight = weight;
    this.labelSelector = labelSelector;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public VmLabelSelector getLabelSelector() {
    return labelSelector;
  }

  public void setLabelSelector(VmLabelSelector labelSelector) {
    this.labelSelector = labelSelector;
  }
}
