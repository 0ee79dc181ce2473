package io.vmha.core.placement;

import io.vmha.core.model.PlacementPolicy;
import java.util.List;

/** Score plugins (P2) and their weights for a placement policy. */
public final class Scorers {
  private Scorers() {}

  /** A scorer with the weight its score is multiplied by. */
  public record Weighted(HostScorer scorer, double weight) {}

  /**
   * @param preferences the plan's VMs by host, when some VM has preferred affinity terms; null when
   *     none has (the scorer is left out, as {@link Filters#standard} leaves its filter out)
   */
  public static List<Weighted> forPolicy(PlacementPolicy policy, VmOccupancy preferences) {
    HostScorer balance =
        policy == PlacementPolicy.BinPacking ? new BinPacking() : new LeastAllocated();
    // avoiding a host where the VM just failed outweighs any balance preference, but never
    // forbids the host: with one host left, a retry there beats staying down. An admin's stated
    // preference between VMs outweighs balance too (as InterPodAffinity does in kube-scheduler)
    return preferences == null
        ? List.of(new Weighted(new AvoidRecentFailures(), 10), new Weighted(balance, 1))
        : List.of(
            new Weighted(new AvoidRecentFailures(), 10),
            new Weighted(new PreferredVmAffinity(preferences), 2),
            new Weighted(balance, 1));
  }

  /** Mean free fraction of cpu and memory after placing: spreads load (the default). */
  public static final class LeastAllocated implements HostScorer {
    public String name() {
      return "LeastAllocated";
    }

    public double score(int host, PlacementRequest request, CapacityLedger ledger) {
      return 100 * freeFractionAfter(host, request, ledger);
    }
  }

  /** The opposite: fills hosts up, leaving whole hosts free. */
  public static final class BinPacking implements HostScorer {
    public String name() {
      return "BinPacking";
    }

    public double score(int host, PlacementRequest request, CapacityLedger ledger) {
      return 100 * (1 - freeFractionAfter(host, request, ledger));
    }
  }

  public static final class AvoidRecentFailures implements HostScorer {
    public String name() {
      return "AvoidRecentFailures";
    }

    public double score(int host, PlacementRequest request, CapacityLedger ledger) {
      return request.avoids(host) ? 0 : 100;
    }
  }

  static double freeFractionAfter(int host, PlacementRequest request, CapacityLedger ledger) {
    double cpu =
        fraction(ledger.freeCpu(host) - request.resources().cpuMillis(), ledger.capacityCpu(host));
    double memory =
        fraction(
            ledger.freeMemory(host) - request.resources().memoryMiB(), ledger.capacityMemory(host));
    return (cpu + memory) / 2;
  }

  private static double fraction(long free, long capacity) {
    return capacity <= 0 ? 0 : Math.max(0, (double) free / capacity);
  }
}
