package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** The required and preferred terms of a VM's affinity or of its anti-affinity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmAffinityRules {
  static final int MAX_TERMS = 16;

  @Size(max = MAX_TERMS)
  @JsonPropertyDescription(
      "Terms that must all hold at every placement vmha makes: first start, restart, failover,"
          + " storage- or network-loss migration and maintenance drain. A VM that no host can take"
          + " without breaking one stays Pending with reason AffinityConflict.")
  private List<VmAffinityTerm> requiredDuringScheduling;

  @Size(max = MAX_TERMS)
  @JsonPropertyDescription(
      "Terms that rank the hosts that pass every requirement, together with the placement"
          + " policy: an affinity term counts its weight for a host that runs a VM it selects, an"
          + " anti-affinity term counts its weight against such a host.")
  private List<WeightedVmAffinityTerm> preferredDuringScheduling;

  public VmAffinityRules() {}

  public VmAffinityRules(
      List<VmAffinityTerm> requiredDuringScheduling,
      List<WeightedVmAffinityTerm> preferredDuringScheduling) {
    this.requiredDuringScheduling = requiredDuringScheduling;
    this.preferredDuringScheduling = preferredDuringScheduling;
  }

  public List<VmAffinityTerm> getRequiredDuringScheduling() {
    return requiredDuringScheduling;
  }

  public void setRequiredDuringScheduling(List<VmAffinityTerm> requiredDuringScheduling) {
    this.requiredDuringScheduling = requiredDuringScheduling;
  }

  public List<WeightedVmAffinityTerm> getPreferredDuringScheduling() {
    return preferredDuringScheduling;
  }

  public void setPreferredDuringScheduling(List<WeightedVmAffinityTerm> preferredDuringScheduling) {
    this.preferredDuringScheduling = preferredDuringScheduling;
  }
}
