package io.vmha.core.invariant;

import java.util.ArrayList;
import java.util.List;

/**
 * The one check of the spec's invariants (SPEC section 4, docs/rules.md I1-I6, with L1 and L2 once
 * settled), shared by everything that watches a fleet: the core's fault-sequence simulation and the
 * demo's live fleet. Callers gather the {@link FleetFacts}; this decides what they break.
 */
public final class InvariantChecker {
  private InvariantChecker() {}

  /**
   * @param violations empty when every invariant holds
   * @param names the history to pass to the next check
   */
  public record Verdict(List<Violation> violations, InstanceNameHistory names) {
    public Verdict {
      violations = List.copyOf(violations);
    }
  }

  /**
   * I1, I3, I4, I5 and I6, which hold at every moment.
   *
   * @param names what the previous check returned; {@link InstanceNameHistory#EMPTY} at first
   */
  public static Verdict check(FleetFacts facts, InstanceNameHistory names) {
    List<Violation> found = new ArrayList<>();
    OneInstancePerVm.check(facts, found);
    HostCapacity.check(facts, found);
    VmAntiAffinity.check(facts, found);
    SingleSpm.check(facts, found);
    InstanceNameHistory after = InstanceNameReuse.check(facts, names, found);
    return new Verdict(found, after);
  }

  /** I2, L1 and L2, which hold only once the fleet had time to settle after the last fault. */
  public static List<Violation> checkSettled(FleetFacts facts) {
    List<Violation> found = new ArrayList<>();
    SettledFleet.check(facts, found);
    return List.copyOf(found);
  }
}
