package io.vmha.core.model;

import java.util.List;
import java.util.Map;

/**
 * Where a VM must or would rather run relative to other VMs of its namespace, host by host, in the
 * manner of pod (anti-)affinity. Required terms hold at every placement vmha makes (first start,
 * restart, failover, migration, drain); preferred terms only rank the hosts that pass.
 *
 * @param requiredAffinity each term must match a VM running on the chosen host, unless no VM
 *     matches it on any host that is up and this VM matches it itself (the first of a group)
 * @param requiredAntiAffinity no VM on the chosen host may match any term; the rule holds both
 *     ways: a VM whose term matches this one keeps it off its host too
 */
public record VmAffinity(
    List<LabelSelector> requiredAffinity,
    List<Weighted> preferredAffinity,
    List<LabelSelector> requiredAntiAffinity,
    List<Weighted> preferredAntiAffinity) {

  public static final VmAffinity NONE = new VmAffinity(List.of(), List.of(), List.of(), List.of());

  /** A preferred term: {@code weight} (1-100) counts toward a host that satisfies it. */
  public record Weighted(int weight, LabelSelector selector) {}

  public VmAffinity {
    requiredAffinity = requiredAffinity == null ? List.of() : List.copyOf(requiredAffinity);
    preferredAffinity = preferredAffinity == null ? List.of() : List.copyOf(preferredAffinity);
    requiredAntiAffinity =
        requiredAntiAffinity == null ? List.of() : List.copyOf(requiredAntiAffinity);
    preferredAntiAffinity =
        preferredAntiAffinity == null ? List.of() : List.copyOf(preferredAntiAffinity);
  }

  public boolean isEmpty() {
    return requiredAffinity.isEmpty()
        && preferredAffinity.isEmpty()
        && requiredAntiAffinity.isEmpty()
        && preferredAntiAffinity.isEmpty();
  }

  public boolean hasPreferences() {
    return !preferredAffinity.isEmpty() || !preferredAntiAffinity.isEmpty();
  }

  /** Whether a required anti-affinity term of this VM matches a VM with these labels. */
  public boolean repels(Map<String, String> labels) {
    return LabelSelector.anyMatches(requiredAntiAffinity, labels);
  }
}
