package io.vmha.core;

import io.vmha.core.health.HostHealth;
import io.vmha.core.vm.StartDependencies;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's answer for one snapshot.
 *
 * @param hosts each host's phase, conditions, allocation and SPM flag, in name order
 * @param actions what to write, in the order to write it
 * @param failoverFrozen whether failover is frozen (H5)
 * @param spmHolder the SPM holder once the actions are applied, or null
 * @param nextDeadline when the plan would change with no new input (a heartbeat expiring, a backoff
 *     ending, the SPM lease expiring): plan again then, or on the next change
 * @param startOrderRefusals the VMs whose {@code startAfter} list the plan ignored, with why (O1):
 *     the operator shows it in their {@code StartOrder} condition
 */
public record Plan(
    List<HostHealth> hosts,
    List<Action> actions,
    boolean failoverFrozen,
    String spmHolder,
    Optional<Instant> nextDeadline,
    Map<String, StartDependencies.Refusal> startOrderRefusals) {
  public Plan {
    hosts = List.copyOf(hosts);
    actions = List.copyOf(actions);
    startOrderRefusals = Map.copyOf(startOrderRefusals);
  }

  public <T extends Action> List<T> actions(Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public HostHealth host(String name) {
    return hosts.stream().filter(h -> h.host().equals(name)).findFirst().orElse(null);
  }
}
