package io.vmha.core.placement;

import io.vmha.core.PendingReason;
import io.vmha.core.health.HostState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Filter-then-score placement over one plan's hosts (P1–P3). Filters that depend only on the host
 * and the VM's class (repository and selector) run once per class; only the dynamic ones (capacity,
 * exclusion) and the scorers run per VM, over the class's candidates.
 */
public final class Placer {
  private final List<HostState> hosts;
  private final CapacityLedger ledger;
  private final List<HostFilter> staticFilters = new ArrayList<>();
  private final List<HostFilter> dynamicFilters = new ArrayList<>();
  private final List<HostFilter> allFilters;
  private final HostScorer[] scorers;
  private final double[] weights;
  private final Map<ClassKey, Candidates> candidatesByClass = new LinkedHashMap<>();

  public Placer(
      List<HostState> hosts,
      CapacityLedger ledger,
      List<HostFilter> filters,
      List<Scorers.Weighted> weightedScorers) {
    this.hosts = hosts;
    this.ledger = ledger;
    this.allFilters = List.copyOf(filters);
    for (HostFilter filter : filters) {
      (filter.isDynamic() ? dynamicFilters : staticFilters).add(filter);
    }
    scorers = weightedScorers.stream().map(Scorers.Weighted::scorer).toArray(HostScorer[]::new);
    weights = weightedScorers.stream().mapToDouble(Scorers.Weighted::weight).toArray();
  }

  public CapacityLedger ledger() {
    return ledger;
  }

  /** Chooses a host without taking its capacity; the caller assumes it in the ledger. */
  public PlacementOutcome choose(PlacementRequest request) {
    Candidates candidates =
        candidatesByClass.computeIfAbsent(
            new ClassKey(request.repository().name(), request.hostSelector()),
            key -> classify(request));
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    Map<String, Integer> dynamicRejections = null;
    int furthestDynamic = -1;
    for (int host : candidates.hosts) {
      HostState state = hosts.get(host);
      int rejectedBy = -1;
      String rejection = null;
      for (int f = 0; f < dynamicFilters.size() && rejection == null; f++) {
        rejection = dynamicFilters.get(f).reject(state, request, ledger);
        rejectedBy = f;
      }
      if (rejection != null) {
        if (dynamicRejections == null) {
          dynamicRejections = new LinkedHashMap<>();
        }
        dynamicRejections.merge(rejection, 1, Integer::sum);
        furthestDynamic = Math.max(furthestDynamic, rejectedBy);
        continue;
      }
      double score = 0;
      for (int s = 0; s < scorers.length; s++) {
        score += weights[s] * scorers[s].score(host, request, ledger);
      }
      // hosts are in name order, so keeping the first of equal scores breaks ties by name
      if (score > bestScore) {
        bestScore = score;
        best = host;
      }
    }
    if (best >= 0) {
      return new PlacementOutcome.Placed(best);
    }
    return unplaceable(candidates, dynamicRejections, furthestDynamic);
  }

  private PlacementOutcome unplaceable(
      Candidates candidates, Map<String, Integer> dynamicRejections, int furthestDynamic) {
    Map<String, Integer> rejections = new LinkedHashMap<>(candidates.rejections);
    if (dynamicRejections != null) {
      dynamicRejections.forEach((text, count) -> rejections.merge(text, count, Integer::sum));
    }
    PendingReason reason =
        furthestDynamic >= 0
            ? dynamicFilters.get(furthestDynamic).reasonWhenLast()
            : candidates.furthestStatic >= 0
                ? staticFilters.get(candidates.furthestStatic).reasonWhenLast()
                : PendingReason.NoHostAvailable;
    StringBuilder message = new StringBuilder("0/").append(hosts.size()).append(" hosts available");
    String separator = ": ";
    List<Map.Entry<String, Integer>> sorted = new ArrayList<>(rejections.entrySet());
    sorted.sort(
        Map.Entry.<String, Integer>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    for (var entry : sorted) {
      message.append(separator).append(entry.getValue()).append(' ').append(entry.getKey());
      separator = ", ";
    }
    return new PlacementOutcome.Unplaceable(reason, message.toString());
  }

  private Candidates classify(PlacementRequest request) {
    List<Integer> passing = new ArrayList<>();
    Map<String, Integer> rejections = new LinkedHashMap<>();
    int furthest = -1;
    for (HostState host : hosts) {
      String rejection = null;
      int f = 0;
      for (; f < staticFilters.size(); f++) {
        rejection = staticFilters.get(f).reject(host, request, ledger);
        if (rejection != null) {
          break;
        }
      }
      if (rejection == null) {
        passing.add(host.index());
      } else {
        rejections.merge(rejection, 1, Integer::sum);
        furthest = Math.max(furthest, f);
      }
    }
    int[] indexes = passing.stream().mapToInt(Integer::intValue).toArray();
    return new Candidates(indexes, rejections, furthest);
  }

  public List<HostFilter> filters() {
    return allFilters;
  }

  private record ClassKey(String repository, Map<String, String> selector) {
    ClassKey {
      Objects.requireNonNull(repository);
    }
  }

  private record Candidates(int[] hosts, Map<String, Integer> rejections, int furthestStatic) {}
}
