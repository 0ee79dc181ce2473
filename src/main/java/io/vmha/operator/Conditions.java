package io.vmha.operator;

import io.vmha.api.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Conditions in the Kubernetes convention: {@code lastTransitionTime} moves only when {@code
 * status} flips, and {@code observedGeneration} says which spec they judge.
 */
final class Conditions {
  private Conditions() {}

  record Desired(String type, String status, String reason, String message) {
    static Desired of(String type, boolean value, String reason, String message) {
      return new Desired(type, value ? "True" : "False", reason, message);
    }
  }

  static List<Condition> merge(
      List<Condition> existing, List<Desired> desired, Instant now, Long generation) {
    List<Condition> result = new ArrayList<>(desired.size());
    for (Desired d : desired) {
      Condition old = Condition.find(existing, d.type());
      Condition c = new Condition();
      c.setType(d.type());
      c.setStatus(d.status());
      c.setReason(d.reason());
      c.setMessage(d.message() == null ? "" : d.message());
      c.setObservedGeneration(generation);
      c.setLastTransitionTime(
          old != null
                  && Objects.equals(old.getStatus(), d.status())
                  && old.getLastTransitionTime() != null
              ? old.getLastTransitionTime()
              : Timestamps.format(now));
      result.add(c);
    }
    return result;
  }

  /** Whether writing {@code desired} would change what {@code existing} says. */
  static boolean differ(List<Condition> existing, List<Condition> desired) {
    if (existing == null || existing.size() != desired.size()) {
      return true;
    }
    for (Condition d : desired) {
      Condition old = Condition.find(existing, d.getType());
      if (old == null
          || !Objects.equals(old.getStatus(), d.getStatus())
          || !Objects.equals(old.getReason(), d.getReason())
          || !Objects.equals(old.getMessage(), d.getMessage())
          || !Objects.equals(old.getObservedGeneration(), d.getObservedGeneration())) {
        return true;
      }
    }
    return false;
  }
}
