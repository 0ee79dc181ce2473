package io.vmha.core.health;

import io.vmha.core.model.HostPhase;
import io.vmha.core.model.Resources;
import java.util.List;

/**
 * What the operator writes into {@code VmHost.status}: phase, conditions, allocation (after this
 * plan's placements and migrations) and the SPM flag.
 */
public record HostHealth(
    String host,
    HostPhase phase,
    List<Condition> conditions,
    Resources allocated,
    int vmCount,
    boolean spm) {
  public HostHealth {
    conditions = List.copyOf(conditions);
  }

  public Condition condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
  }
}
