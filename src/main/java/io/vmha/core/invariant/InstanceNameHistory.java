package io.vmha.core.invariant;

import java.util.Map;

/**
 * The instance names seen so far, which I5 is judged against: a name may be reused only by the VM
 * that had it, and only without leaving it in between (F2's return to its host).
 *
 * @param owners each name, as {@code namespace/instanceName}, and the VM that used it first
 * @param current each VM and the name it had when last seen
 */
public record InstanceNameHistory(Map<String, String> owners, Map<String, String> current) {
  public static final InstanceNameHistory EMPTY = new InstanceNameHistory(Map.of(), Map.of());

  public InstanceNameHistory {
    owners = Map.copyOf(owners);
    current = Map.copyOf(current);
  }
}
