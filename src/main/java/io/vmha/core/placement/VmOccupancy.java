package io.vmha.core.placement;

import io.vmha.core.health.HostState;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.VmAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which VMs each host holds during one plan, for the affinity rules. Kept with the {@link
 * CapacityLedger}: a VM is here wherever the ledger counts it (its host, and its migration target
 * while it migrates), so two decisions of one plan see each other. Each host's VMs are indexed by
 * label, and those with required anti-affinity terms are kept apart: a fleet of 20,000 VMs asks
 * these questions for every VM and every candidate host (bench/: a full re-plan with affinity).
 */
public final class VmOccupancy {

  /** A VM as the affinity rules see it. */
  public record Occupant(
      String key, String namespace, Map<String, String> labels, VmAffinity affinity) {
    public Occupant(String key, Map<String, String> labels, VmAffinity affinity) {
      this(key, key.substring(0, key.indexOf('/')), labels, affinity);
    }

    boolean repels(Map<String, String> labels) {
      return affinity.repels(labels);
    }
  }

  private static final class HostVms {
    final List<Occupant> all = new ArrayList<>(4);
    final Map<String, List<Occupant>> byLabel = new HashMap<>();
    // VMs with required anti-affinity, by the first label pair each term asks for: a VM can only
    // be kept off by a term whose pair it carries; terms with no pair are kept apart
    final Map<String, List<Occupant>> repellersByLabel = new HashMap<>();
    final List<Occupant> repellersByExpression = new ArrayList<>(0);
  }

  private final List<HostState> hosts;
  private final HostVms[] byHost;

  public VmOccupancy(List<HostState> hosts) {
    this.hosts = hosts;
    byHost = new HostVms[hosts.size()];
    for (int i = 0; i < byHost.length; i++) {
      byHost[i] = new HostVms();
    }
  }

  public void add(int host, Occupant occupant) {
    HostVms vms = byHost[host];
    vms.all.add(occupant);
    for (LabelSelector term : occupant.affinity().requiredAntiAffinity()) {
      String pair = firstPair(term);
      List<Occupant> list =
          pair == null
              ? vms.repellersByExpression
              : vms.repellersByLabel.computeIfAbsent(pair, k -> new ArrayList<>(1));
      if (!list.contains(occupant)) {
        list.add(occupant);
      }
    }
    occupant
        .labels()
        .forEach(
            (key, value) ->
                vms.byLabel
                    .computeIfAbsent(pair(key, value), k -> new ArrayList<>(2))
                    .add(occupant));
  }

  private static String firstPair(LabelSelector term) {
    if (term.matchLabels().isEmpty()) {
      return null;
    }
    var first = term.matchLabels().entrySet().iterator().next();
    return pair(first.getKey(), first.getValue());
  }

  /** A label as the indexes key it. */
  static String pair(String key, String value) {
    return key + "=" + value;
  }

  public void remove(int host, String key) {
    HostVms vms = byHost[host];
    Occupant gone = null;
    for (Occupant occupant : vms.all) {
      if (occupant.key().equals(key)) {
        gone = occupant;
        break;
      }
    }
    if (gone == null) {
      return;
    }
    vms.all.remove(gone);
    vms.repellersByExpression.remove(gone);
    for (LabelSelector term : gone.affinity().requiredAntiAffinity()) {
      String pair = firstPair(term);
      if (pair != null && vms.repellersByLabel.containsKey(pair)) {
        vms.repellersByLabel.get(pair).remove(gone);
      }
    }
    for (var label : gone.labels().entrySet()) {
      List<Occupant> same = vms.byLabel.get(pair(label.getKey(), label.getValue()));
      if (same != null) {
        same.remove(gone);
      }
    }
  }

  /**
   * A VM on the host, other than {@code self}, whose required anti-affinity selects a VM of the
   * namespace with these labels ({@code labelPairs}: the same, as {@code key=value}); null if none.
   */
  Occupant repelling(
      int host,
      String self,
      String namespace,
      List<String> labelPairs,
      Map<String, String> labels) {
    HostVms vms = byHost[host];
    for (String pair : labelPairs) {
      Occupant found = repelling(vms.repellersByLabel.get(pair), self, namespace, labels);
      if (found != null) {
        return found;
      }
    }
    return repelling(vms.repellersByExpression, self, namespace, labels);
  }

  private static Occupant repelling(
      List<Occupant> candidates, String self, String namespace, Map<String, String> labels) {
    if (candidates == null) {
      return null;
    }
    for (Occupant occupant : candidates) {
      if (!occupant.key().equals(self)
          && occupant.namespace().equals(namespace)
          && occupant.repels(labels)) {
        return occupant;
      }
    }
    return null;
  }

  /**
   * Whether a VM other than {@code self} that the selector picks in {@code namespace} is on some
   * host that is up. VMs on a host that is not up do not count: they are being re-placed or wait
   * for their host, and the first of a group to be placed must not wait for the others.
   */
  boolean runsOnAnUpHost(String namespace, LabelSelector selector, String self) {
    for (HostState host : hosts) {
      if (host.isUp() && firstOn(host.index(), namespace, selector, self) != null) {
        return true;
      }
    }
    return false;
  }

  boolean hostHolds(int host, String namespace, LabelSelector selector, String self) {
    return firstOn(host, namespace, selector, self) != null;
  }

  /**
   * The first VM on the host, other than {@code self}, that the selector picks in the namespace.
   */
  Occupant firstOn(int host, String namespace, LabelSelector selector, String self) {
    HostVms vms = byHost[host];
    String pair = firstPair(selector);
    List<Occupant> candidates = pair == null ? vms.all : vms.byLabel.getOrDefault(pair, List.of());
    for (Occupant occupant : candidates) {
      if (!occupant.key().equals(self)
          && occupant.namespace().equals(namespace)
          && selector.matches(occupant.labels())) {
        return occupant;
      }
    }
    return null;
  }
}
