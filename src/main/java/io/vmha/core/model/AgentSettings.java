package io.vmha.core.model;

import io.vmha.core.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings an agent runs with that must be the operator's (R6): a host whose agent counts
 * another self-fence deadline, another grace period or another failover threshold than the operator
 * may keep its VMs running after the operator has restarted them elsewhere.
 */
public record AgentSettings(
    Duration heartbeatInterval,
    Duration selfFenceAfter,
    Duration hostGracePeriod,
    FencingPolicy fencing,
    double maxUnhealthyFraction) {

  public static AgentSettings of(Settings settings) {
    return new AgentSettings(
        settings.heartbeatInterval(),
        settings.selfFenceAfter(),
        settings.hostGracePeriod(),
        settings.fencing(),
        settings.maxUnhealthyFraction());
  }

  /** What differs from {@code expected}, as "name agent-value (operator: expected-value)". */
  public List<String> differencesFrom(AgentSettings expected) {
    List<String> differences = new ArrayList<>();
    differ(differences, "heartbeatInterval", heartbeatInterval, expected.heartbeatInterval);
    differ(differences, "selfFenceAfter", selfFenceAfter, expected.selfFenceAfter);
    differ(differences, "hostGracePeriod", hostGracePeriod, expected.hostGracePeriod);
    differ(differences, "fencing", fencing, expected.fencing);
    if (Math.abs(maxUnhealthyFraction - expected.maxUnhealthyFraction) > 1e-9) {
      differences.add(
          "maxUnhealthyFraction "
              + maxUnhealthyFraction
              + " (operator: "
              + expected.maxUnhealthyFraction
              + ")");
    }
    return differences;
  }

  private static void differ(List<String> into, String name, Object agent, Object operator) {
    if (!java.util.Objects.equals(agent, operator)) {
      into.add(name + " " + agent + " (operator: " + operator + ")");
    }
  }
}
