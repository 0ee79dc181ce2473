package io.vmha.operator;

/**
 * Asks for a new fleet plan. Reconcilers call it whenever something they watch changed; the
 * plan itself runs once for many requests, so a burst of events costs one planning pass.
 */
@FunctionalInterface
public interface FleetTrigger {
  void requestPlan(String why);
}
