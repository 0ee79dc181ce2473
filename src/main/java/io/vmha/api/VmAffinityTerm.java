package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A required affinity or anti-affinity term: the VMs it is about. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmAffinityTerm {
  @Required
  @JsonPropertyDescription(VmAffinitySpec.TERM_SELECTOR)
  private VmLabelSelector labelSelector;

  public VmAffinityTerm() {}

  public VmAffinityTerm(VmLabelSelector labelSelector) {
    this.labelSelector = labelSelector;
  }

  public VmLabelSelector getLabelSelector() {
    return labelSelector;
  }

  public void setLabelSelector(VmLabelSelector labelSelector) {
    this.labelSelector = labelSelector;
  }
}
