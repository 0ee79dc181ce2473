package io.vmha.operator;

import io.vmha.api.LabelSelectorRequirement;
import io.vmha.api.VmAffinityRules;
import io.vmha.api.VmAffinitySpec;
import io.vmha.api.VmAffinityTerm;
import io.vmha.api.VmLabelSelector;
import io.vmha.api.WeightedVmAffinityTerm;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.VmAffinity;
import java.util.List;

/**
 * A VM's or template's {@code spec.affinity} as written in the API, read as the core reads it. The
 * operator plans on it, and the demo's invariant check reads it the same way. Fields the schema
 * requires (a term's selector, a weight, an operator) are taken as present.
 */
public final class AffinityViews {
  private AffinityViews() {}

  /** Null for null, so that a VM without its own affinity takes its template's. */
  public static VmAffinity of(VmAffinitySpec spec) {
    if (spec == null) {
      return null;
    }
    VmAffinityRules with = spec.getVmAffinity();
    VmAffinityRules apart = spec.getVmAntiAffinity();
    return new VmAffinity(required(with), preferred(with), required(apart), preferred(apart));
  }

  /**
   * The affinity a VM lives by: its own when it sets one (which replaces the template's as a
   * whole), else its template's, else none.
   */
  public static VmAffinity resolved(VmAffinitySpec own, VmAffinitySpec template) {
    VmAffinity affinity = of(own != null ? own : template);
    return affinity == null ? VmAffinity.NONE : affinity;
  }

  private static List<LabelSelector> required(VmAffinityRules rules) {
    if (rules == null || rules.getRequiredDuringScheduling() == null) {
      return List.of();
    }
    return rules.getRequiredDuringScheduling().stream()
        .map(VmAffinityTerm::getLabelSelector)
        .map(AffinityViews::selector)
        .toList();
  }

  private static List<VmAffinity.Weighted> preferred(VmAffinityRules rules) {
    if (rules == null || rules.getPreferredDuringScheduling() == null) {
      return List.of();
    }
    return rules.getPreferredDuringScheduling().stream().map(AffinityViews::weighted).toList();
  }

  private static VmAffinity.Weighted weighted(WeightedVmAffinityTerm term) {
    return new VmAffinity.Weighted(term.getWeight(), selector(term.getLabelSelector()));
  }

  private static LabelSelector selector(VmLabelSelector selector) {
    List<LabelSelector.Requirement> requirements =
        selector.getMatchExpressions() == null
            ? List.of()
            : selector.getMatchExpressions().stream().map(AffinityViews::requirement).toList();
    return new LabelSelector(selector.getMatchLabels(), requirements);
  }

  private static LabelSelector.Requirement requirement(LabelSelectorRequirement requirement) {
    return new LabelSelector.Requirement(
        requirement.getKey(),
        LabelSelector.Operator.valueOf(requirement.getOperator().name()),
        requirement.getValues());
  }
}
