package io.vmha.core.invariant;

import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.Resources;
import java.util.List;

/**
 * I3: no host runs more than its capacity. Every live instance counts, whether or not a VM claims
 * it: an untracked or foreign instance takes the host's cpu and memory all the same.
 */
final class HostCapacity {
  private HostCapacity() {}

  static void check(FleetFacts facts, List<Violation> found) {
    for (FleetFacts.Host host : facts.hosts()) {
      if (!host.registered()) {
        continue;
      }
      Resources used = Resources.ZERO;
      for (InstanceReport instance : host.instances()) {
        if (instance.isActive()) {
          used = used.plus(instance.resources());
        }
      }
      if (!used.fitsIn(host.capacity())) {
        found.add(
            new Violation(
                "I3",
                null,
                host.name(),
                "host "
                    + host.name()
                    + " runs "
                    + used
                    + ", over its capacity "
                    + host.capacity()));
      }
    }
  }
}
