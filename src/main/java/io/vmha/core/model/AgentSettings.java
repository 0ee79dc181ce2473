package io.vmha.core.model;

import io.vmha.core.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

  /**
   * The settings as text by field name (durations in ISO-8601): what an agent reports and the
   * operator publishes.
   */
  public Map<String, String> asText() {
    Map<String, String> text = new LinkedHashMap<>();
    text.put("heartbeatInterval", heartbeatInterval.toString());
    text.put("selfFenceAfter", selfFenceAfter.toString());
    text.put("hostGracePeriod", hostGracePeriod.toString());
    text.put("fencing", fencing.name());
    text.put("maxUnhealthyFraction", Double.toString(maxUnhealthyFraction));
    return text;
  }

  /**
   * Reads settings written as {@link #asText}; a field missing or unreadable is null (NaN for the
   * fraction), so it differs from any real value.
   */
  public static AgentSettings parse(Function<String, String> field) {
    return new AgentSettings(
        duration(field.apply("heartbeatInterval")),
        duration(field.apply("selfFenceAfter")),
        duration(field.apply("hostGracePeriod")),
        fencing(field.apply("fencing")),
        fraction(field.apply("maxUnhealthyFraction")));
  }

  private static Duration duration(String iso) {
    try {
      return iso == null ? null : Duration.parse(iso);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private static FencingPolicy fencing(String name) {
    try {
      return name == null ? null : FencingPolicy.valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static double fraction(String value) {
    try {
      return value == null ? Double.NaN : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
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
