package io.vmha.core.placement;

import io.vmha.core.health.HostState;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.VmAffinity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which VMs each host holds during one plan, for the affinity rules. Kept with the {@link
 * CapacityLedger}: a VM is here wherever the ledger counts it (its host, and its migration target
 * while it migrates), so two decisions of one plan see each other.
 */
public final class VmOccupancy {

  /** A VM as the affinity rules see it. */
  public record Occupant(String key, Map<String, String> labels, VmAffinity affinity) {
    public String namespace() {
      return key.substring(0, key.indexOf('/'));
    }
  }

  private final List<HostState> hosts;
  private final List<List<Occupant>> byHost;
  private int withAffinity;

  public VmOccupancy(List<HostState> hosts) {
    this.hosts = hosts;
    byHost = new ArrayList<>(hosts.size());
    for (int i = 0; i < hosts.size(); i++) {
      byHost.add(new ArrayList<>(2));
    }
  }

  public void add(int host, Occupant occupant) {
    byHost.get(host).add(occupant);
    if (!occupant.affinity().isEmpty()) {
      withAffinity++;
    }
  }

  public void remove(int host, String key) {
    var occupants = byHost.get(host);
    for (int i = 0; i < occupants.size(); i++) {
      if (occupants.get(i).key().equals(key)) {
        if (!occupants.get(i).affinity().isEmpty()) {
          withAffinity--;
        }
        occupants.remove(i);
        return;
      }
    }
  }

  public List<Occupant> on(int host) {
    return byHost.get(host);
  }

  /** Whether any VM of the plan has affinity rules; without any, every host passes at once. */
  boolean anyRules() {
    return withAffinity > 0;
  }

  /**
   * Whether a VM other than {@code self} that the selector picks in {@code namespace} is on some
   * host that is up. VMs on a host that is not up do not count: they are being re-placed or wait
   * for their host, and the first of a group to be placed must not wait for the others.
   */
  boolean runsOnAnUpHost(String namespace, LabelSelector selector, String self) {
    for (HostState host : hosts) {
      if (host.isUp() && hostHolds(host.index(), namespace, selector, self)) {
        return true;
      }
    }
    return false;
  }

  boolean hostHolds(int host, String namespace, LabelSelector selector, String self) {
    for (Occupant occupant : byHost.get(host)) {
      if (!occupant.key().equals(self)
          && occupant.namespace().equals(namespace)
          && selector.matches(occupant.labels())) {
        return true;
      }
    }
    return false;
  }
}
