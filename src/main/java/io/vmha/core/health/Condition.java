package io.vmha.core.health;

/**
 * A Kubernetes-style condition without timestamps: the operator keeps {@code lastTransitionTime}
 * stable unless {@code status} flips, and sets {@code observedGeneration}.
 */
public record Condition(String type, ConditionStatus status, String reason, String message) {
  public static Condition of(String type, boolean value, String reason, String message) {
    return new Condition(
        type, value ? ConditionStatus.True : ConditionStatus.False, reason, message);
  }
}
