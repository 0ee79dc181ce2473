package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where a VM runs relative to the other VMs of its namespace, host by host, in the manner of pod
 * (anti-)affinity without a topology key. A VM and a template carry it; a VM's replaces its
 * template's as a whole.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// The API server types each schema path apart, so the two lists' selectors are of different types
// and only compare as dyn; the size limits on selectors keep the rule within its cost budget.
@ValidationRule(
    value =
        "!has(self.vmAffinity) || !has(self.vmAffinity.requiredDuringScheduling)"
            + " || !has(self.vmAntiAffinity) || !has(self.vmAntiAffinity.requiredDuringScheduling)"
            + " || !self.vmAffinity.requiredDuringScheduling.exists(a,"
            + " self.vmAntiAffinity.requiredDuringScheduling.exists(b,"
            + " dyn(a.labelSelector) == dyn(b.labelSelector)))",
    message = "a VM cannot be required both to run with and apart from the same VMs")
public class VmAffinitySpec {
  /** The description of the field, where the VM and the template carry it. */
  public static final String DESCRIPTION =
      "Where a VM runs relative to the other VMs of its namespace, host by host (there is no"
          + " topologyKey): its terms select VMs of the same namespace by their metadata labels."
          + " Required terms hold at every placement vmha makes (first start, restart, failover,"
          + " storage- or network-loss migration, maintenance drain); a VM that cannot be placed"
          + " without breaking one stays Pending with reason AffinityConflict. Preferred terms rank"
          + " the hosts. Changing the rules or the labels of running VMs does not move them: the"
          + " next placement honours the rules.";

  static final String TERM_SELECTOR =
      "The VMs the term is about: those of the VM's namespace whose metadata labels match.";

  @JsonPropertyDescription(
      "VMs to run on the same host as. A required term holds on a host that runs a VM it selects."
          + " While no VM it selects runs on a host that is up, a VM that the term selects itself,"
          + " the first of its group, satisfies it on any host; any other VM waits Pending.")
  private VmAffinityRules vmAffinity;

  @JsonPropertyDescription(
      "VMs to keep off the VM's host. A required term holds both ways: the VM does not go to a"
          + " host that runs a VM the term selects, and a VM the term selects does not go to the"
          + " VM's host.")
  private VmAffinityRules vmAntiAffinity;

  public VmAffinitySpec() {}

  public VmAffinitySpec(VmAffinityRules vmAffinity, VmAffinityRules vmAntiAffinity) {
    this.vmAffinity = vmAffinity;
    this.vmAntiAffinity = vmAntiAffinity;
  }

  public VmAffinityRules getVmAffinity() {
    return vmAffinity;
  }

  public void setVmAffinity(VmAffinityRules vmAffinity) {
    this.vmAffinity = vmAffinity;
  }

  public VmAffinityRules getVmAntiAffinity() {
    return vmAntiAffinity;
  }

  public void setVmAntiAffinity(VmAffinityRules vmAntiAffinity) {
    this.vmAntiAffinity = vmAntiAffinity;
  }
}
