package io.vmha.core;

import io.vmha.core.health.DrainObstacles;
import io.vmha.core.health.FailoverFreeze;
import io.vmha.core.health.HostConditions;
import io.vmha.core.health.HostHealth;
import io.vmha.core.health.HostHealthEvaluator;
import io.vmha.core.health.HostState;
import io.vmha.core.health.PowerFenceRules;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.VmAffinity;
import io.vmha.core.model.VmView;
import io.vmha.core.placement.CapacityLedger;
import io.vmha.core.placement.FailoverReserve;
import io.vmha.core.placement.Filters;
import io.vmha.core.placement.Placer;
import io.vmha.core.placement.Scorers;
import io.vmha.core.placement.VmOccupancy;
import io.vmha.core.spm.SpmElector;
import io.vmha.core.vm.ActiveCopies;
import io.vmha.core.vm.InstanceNames;
import io.vmha.core.vm.PlanContext;
import io.vmha.core.vm.VmPlanner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decision engine: one immutable snapshot in, one plan out. Pure and deterministic: the same
 * snapshot always gives the same plan, and the engine keeps nothing between calls.
 */
public final class Engine {
  private final int placementsPerPlan;

  /** An engine whose plans place every VM they can. */
  public Engine() {
    this(Integer.MAX_VALUE);
  }

  /**
   * @param placementsPerPlan at most this many VMs are placed by one plan, the first in P4's order;
   *     the others wait, undecided and unwritten, for the next plan, which the plan asks for at
   *     once. Nothing runs before its placement is written, and the writes of one plan all land
   *     before the next plan: a plan placing a whole fleet (a cold start, every VM of a power loss)
   *     would start and record no VM until the last of thousands of writes landed, with every
   *     priority at once. Smaller plans let the first VMs run, and be seen running, while the
   *     others are being placed.
   */
  public Engine(int placementsPerPlan) {
    if (placementsPerPlan < 1) {
      throw new IllegalArgumentException("placementsPerPlan must be at least 1");
    }
    this.placementsPerPlan = placementsPerPlan;
  }

  public Plan plan(FleetSnapshot snapshot) {
    Settings settings = snapshot.settings();
    Deadlines deadlines = new Deadlines(snapshot.now());
    ActionLog log = new ActionLog();

    List<HostView> views = new ArrayList<>(snapshot.hosts());
    views.sort(Comparator.comparing(HostView::name));
    Map<String, Integer> vmsOnHost = countVmsOnHosts(snapshot.vms());
    HostHealthEvaluator evaluator = new HostHealthEvaluator(settings, snapshot.now());
    List<HostState> hosts = new ArrayList<>(views.size());
    Map<String, HostState> byName = new HashMap<>(views.size() * 2);
    for (int i = 0; i < views.size(); i++) {
      HostView view = views.get(i);
      HostState host = evaluator.evaluate(i, view, vmsOnHost.getOrDefault(view.name(), 0));
      hosts.add(host);
      byName.put(view.name(), host);
      if (host.heartbeatFresh()) {
        deadlines.consider(evaluator.heartbeatExpiry(view));
      }
    }

    FailoverFreeze freeze =
        FailoverFreeze.judge(
            hosts, settings.maxUnhealthyFraction(), snapshot.now(), settings.selfFenceAfter());
    if (freeze.frozen() && !snapshot.failoverFrozen()) {
      log.fleet(new Action.FreezeFailover(freeze.message()));
    } else if (!freeze.frozen() && snapshot.failoverFrozen()) {
      log.fleet(new Action.UnfreezeFailover(freeze.message()));
    }
    // failover resumes in this plan, or resumed earlier (H5; see PlanContext.knownStopped)
    Instant resumedAt =
        freeze.frozen()
            ? null
            : snapshot.failoverFrozen() ? snapshot.now() : snapshot.failoverResumedAt();
    String spmHolder =
        new SpmElector(settings.heartbeatInterval().multipliedBy(2))
            .elect(snapshot.spmLease(), hosts, byName, snapshot.now(), log, deadlines);
    clearFinishedFencing(hosts, log);

    CapacityLedger ledger =
        new CapacityLedger(views.stream().map(HostView::capacity).toArray(Resources[]::new));
    VmOccupancy occupancy = new VmOccupancy(hosts);
    AffinityInUse inUse = AffinityInUse.of(snapshot);
    Placer placer =
        new Placer(
            hosts,
            ledger,
            Filters.standard(inUse.required() ? occupancy : null),
            Scorers.forPolicy(settings.placementPolicy(), inUse.preferred() ? occupancy : null));
    InstanceNames names = new InstanceNames();
    DrainObstacles drains = new DrainObstacles();
    PlanContext context =
        new PlanContext(
            settings,
            snapshot.now(),
            hosts,
            byName,
            ledger,
            occupancy,
            placer,
            new FailoverReserve(hosts, ledger, settings.reserveHosts()),
            freeze,
            resumedAt,
            deadlines,
            log,
            names,
            drains,
            new java.util.HashSet<>(),
            placementsPerPlan,
            new ActiveCopies(hosts));
    VmPlanner planner = new VmPlanner(context);
    planner.plan(snapshot);
    names.emitCounters(log);
    FailoverFreeze powerFreeze =
        PowerFenceRules.freeze(
            hosts,
            settings.maxUnhealthyFraction(),
            snapshot.now(),
            settings.powerFencedGracePeriod(),
            settings.heartbeatInterval());
    PowerFenceRules.decide(
        hosts, freeze.frozen() || powerFreeze.frozen(), context.liveGuests(), log);
    removeDrainedHosts(hosts, vmsOnHost, spmHolder, log);

    List<HostHealth> health = new ArrayList<>(hosts.size());
    for (HostState host : hosts) {
      health.add(
          new HostHealth(
              host.name(),
              host.phase(),
              HostConditions.of(
                  host,
                  snapshot.now(),
                  freeze,
                  HostHealthEvaluator.gracePeriod(settings, host.view()),
                  drains),
              ledger.allocated(host.index()),
              ledger.vmCount(host.index()),
              host.name().equals(spmHolder)));
    }
    return new Plan(
        health,
        log.all(),
        freeze.frozen(),
        spmHolder,
        deadlines.earliest(),
        planner.startOrderRefusals());
  }

  /** Which kinds of affinity terms any VM or template of the snapshot has (A1). */
  private record AffinityInUse(boolean required, boolean preferred) {
    static AffinityInUse of(FleetSnapshot snapshot) {
      boolean required = false;
      boolean preferred = false;
      List<VmAffinity> all = new ArrayList<>();
      snapshot.vms().forEach(vm -> all.add(vm.affinity()));
      snapshot.templates().forEach(template -> all.add(template.affinity()));
      for (VmAffinity affinity : all) {
        if (affinity != null) {
          required |=
              !affinity.requiredAffinity().isEmpty() || !affinity.requiredAntiAffinity().isEmpty();
          preferred |= affinity.hasPreferences();
        }
      }
      return new AffinityInUse(required, preferred);
    }
  }

  private static Map<String, Integer> countVmsOnHosts(List<VmView> vms) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (VmView vm : vms) {
      if (vm.status().host() != null) {
        counts.merge(vm.status().host(), 1, Integer::sum);
        if (vm.status().migrationTarget() != null) {
          counts.merge(vm.status().migrationTarget(), 1, Integer::sum);
        }
      }
    }
    return counts;
  }

  /** The agent confirmed fencing and the host reaches storage and network again. */
  private static void clearFinishedFencing(List<HostState> hosts, ActionLog log) {
    for (HostState host : hosts) {
      var view = host.view();
      if (view.fencingRequested()
          && host.reporting()
          && view.report().fenced()
          && view.report().storageConnected()
          && view.report().networkConnected()) {
        log.fleet(new Action.ClearFencing(host.name()));
      }
    }
  }

  /** L3: a deleting host with no VM, no instance and no SPM role may go. */
  private static void removeDrainedHosts(
      List<HostState> hosts, Map<String, Integer> vmsOnHost, String spmHolder, ActionLog log) {
    for (HostState host : hosts) {
      var view = host.view();
      boolean idle =
          view.report() == null || view.report().instances().stream().noneMatch(i -> i.isActive());
      if (view.deleting()
          && vmsOnHost.getOrDefault(view.name(), 0) == 0
          && idle
          && !view.name().equals(spmHolder)) {
        log.fleet(new Action.RemoveHost(view.name()));
      }
    }
  }
}
