package io.vmha.core.invariant;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * I4: at most one SPM, by every account: the hosts whose agents act as SPM, the hosts the operator
 * marked SPM, and the SPM Lease, which must name a registered host.
 */
final class SingleSpm {
  private SingleSpm() {}

  static void check(FleetFacts facts, List<Violation> found) {
    FleetFacts.Spm spm = facts.spm();
    if (spm.acting() != null && spm.acting().size() > 1) {
      found.add(manyHolders(spm.acting(), "act as SPM"));
    }
    if (spm.marked().size() > 1) {
      found.add(manyHolders(spm.marked(), "are marked SPM"));
    }
    String holder = spm.leaseHolder();
    if (holder != null
        && facts.hosts().stream().noneMatch(h -> h.name().equals(holder) && h.registered())) {
      found.add(new Violation("I4", null, holder, "the SPM Lease names an unknown host " + holder));
    }
  }

  private static Violation manyHolders(Set<String> hosts, String doing) {
    return new Violation(
        "I4", null, null, hosts.size() + " hosts " + doing + ": " + new TreeSet<>(hosts));
  }
}
