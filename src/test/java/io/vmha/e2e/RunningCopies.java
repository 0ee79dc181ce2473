package io.vmha.e2e;

import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Resources;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * I1 judged by the core's {@link InvariantChecker} from what the end-to-end tests see running on
 * each host (namespace/name of each VM): the tests read the hosts their own way, the judging is the
 * product's one check.
 */
final class RunningCopies {
  private RunningCopies() {}

  /** What I1 finds in {@code vmsByHost} (host → the VMs it runs), one line per VM run twice. */
  static Set<String> violations(Map<String, ? extends Collection<String>> vmsByHost) {
    List<FleetFacts.Host> hosts = new ArrayList<>();
    vmsByHost.forEach(
        (host, vms) ->
            // no capacity: what runs says nothing of I3 here, only of I1
            hosts.add(
                new FleetFacts.Host(host, null, vms.stream().map(RunningCopies::copy).toList())));
    FleetFacts facts =
        new FleetFacts(
            FencingPolicy.SelfFence,
            hosts,
            List.of(),
            new FleetFacts.Spm(null, Set.of(), null),
            null);
    Set<String> found = new TreeSet<>();
    InvariantChecker.check(facts, InstanceNameHistory.EMPTY)
        .violations()
        .forEach(v -> found.add(v.toString()));
    return found;
  }

  private static InstanceReport copy(String vm) {
    return new InstanceReport(vm, vm, InstanceState.Running, Resources.ZERO, null);
  }
}
