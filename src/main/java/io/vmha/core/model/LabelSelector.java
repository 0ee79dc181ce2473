package io.vmha.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Kubernetes label selector: every {@code matchLabels} pair and every requirement must hold. An
 * empty selector matches every VM, as in Kubernetes.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  /** One {@code matchExpressions} entry; {@code values} is empty for Exists and DoesNotExist. */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      values = values == null ? List.of() : List.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case In -> value != null && values.contains(value);
        case NotIn -> value == null || !values.contains(value);
        case Exists -> value != null;
        case DoesNotExist -> value == null;
      };
    }

    @Override
    public String toString() {
      return switch (operator) {
        case In -> key + " in (" + String.join(",", values) + ")";
        case NotIn -> key + " notin (" + String.join(",", values) + ")";
        case Exists -> key;
        case DoesNotExist -> "!" + key;
      };
    }
  }

  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  public static LabelSelector of(Map<String, String> matchLabels) {
    return new LabelSelector(matchLabels, List.of());
  }

  /** Whether any of the selectors matches the labels. */
  public static boolean anyMatches(List<LabelSelector> selectors, Map<String, String> labels) {
    for (LabelSelector selector : selectors) {
      if (selector.matches(labels)) {
        return true;
      }
    }
    return false;
  }

  public boolean matches(Map<String, String> labels) {
    for (var entry : matchLabels.entrySet()) {
      if (!entry.getValue().equals(labels.get(entry.getKey()))) {
        return false;
      }
    }
    for (Requirement requirement : matchExpressions) {
      if (!requirement.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** In kubectl's selector syntax, e.g. {@code app=db,tier in (a,b)}. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(matchLabels).forEach((key, value) -> parts.add(key + "=" + value));
    matchExpressions.forEach(requirement -> parts.add(requirement.toString()));
    return parts.isEmpty() ? "<every VM>" : String.join(",", parts);
  }
}
