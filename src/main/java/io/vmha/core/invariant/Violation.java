package io.vmha.core.invariant;

/**
 * An invariant found broken.
 *
 * @param invariant the rule's ID in docs/rules.md, e.g. {@code I1}
 * @param vm the VM concerned as {@code namespace/name}; null when the rule is about hosts
 * @param host the host concerned; null when it concerns several or none
 * @param message what was seen, naming every VM and host involved
 */
public record Violation(String invariant, String vm, String host, String message) {
  @Override
  public String toString() {
    return invariant + ": " + message;
  }
}
