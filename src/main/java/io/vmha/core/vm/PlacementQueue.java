package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.MigrationCause;
import io.vmha.core.PendingReason;
import io.vmha.core.PlaceCause;
import io.vmha.core.health.HostState;
import io.vmha.core.model.VmPhase;
import io.vmha.core.placement.PlacementOutcome;
import io.vmha.core.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Every decision of a plan that takes capacity, taken in P4's order: HA first, then priority High >
 * Medium > Low, then VMs that are down (failover, restart, return) before migrations before new
 * VMs, then by key.
 */
final class PlacementQueue {
  private final PlanContext context;
  private final List<Entry> entries = new ArrayList<>();
  private final int[] migrationsInFlight;
  private StartOrder startOrder;
  private Map<String, String> unclaimedCopies = Map.of();
  private Boolean awaitingRenewal;
  private int placed;
  private boolean deferred;

  PlacementQueue(PlanContext context, int hostCount) {
    this.context = context;
    this.migrationsInFlight = new int[hostCount];
  }

  /**
   * I1: a VM with a live instance on a reporting host that its placement does not claim (a copy
   * left by a migration's hand-over or a restart, being stopped as stale) is not placed until that
   * instance is gone. A host that stops reporting has fenced itself by the time it is judged lost.
   */
  void holdWhileCopiesRun(Map<String, String> unclaimedCopies) {
    this.unclaimedCopies = unclaimedCopies;
  }

  void orderStartsBy(StartOrder order) {
    startOrder = order;
  }

  void migrationInFlight(HostState source) {
    migrationsInFlight[source.index()]++;
  }

  void place(ResolvedVm vm, PlaceCause cause, HostState leaving, int[] avoided) {
    entries.add(new Entry(vm, cause, null, leaving, avoided, null));
  }

  /**
   * @param unchanged the status line to record if the VM does not start migrating now
   */
  void migrate(ResolvedVm vm, HostState source, Action.UpdateVmPhase unchanged) {
    entries.add(new Entry(vm, null, source.evacuation(), source, PlacementRequest.NONE, unchanged));
  }

  void run() {
    entries.sort(ORDER);
    for (Entry entry : entries) {
      if (entry.migration != null) {
        migrate(entry);
      } else if (placed < context.placementsPerPlan()) {
        place(entry);
      } else {
        deferred = true; // P7: decided by the next plan, in the same order
      }
    }
    if (deferred) {
      context.deadlines().consider(context.now().plusMillis(1));
    }
  }

  private void place(Entry entry) {
    ResolvedVm vm = entry.vm;
    String copyOn = unclaimedCopies.get(vm.key());
    if (copyOn != null) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.KeepPending(
                  vm.key(),
                  PendingReason.OldInstanceRunning,
                  "an earlier instance still runs on host "
                      + copyOn
                      + " and is being stopped; the VM starts once it is gone"));
      return;
    }
    StartOrder.Verdict order = startOrder.verdict(vm, entry.cause);
    if (order.holds()) {
      context
          .log()
          .vm(vm.view(), new Action.KeepPending(vm.key(), order.reason(), order.message()));
      return;
    }
    var outcome = context.placer().choose(request(entry));
    if (outcome instanceof PlacementOutcome.Unplaceable no) {
      if (vm.status().phase() == null && awaitingRenewal()) {
        // P6: a VM never written waits without a write; a new leader would otherwise write every
        // VM of a created fleet Pending once, then place it a heartbeat later
        return;
      }
      context.log().vm(vm.view(), new Action.KeepPending(vm.key(), no.reason(), no.message()));
      return;
    }
    HostState host = hostAt(((PlacementOutcome.Placed) outcome).host());
    context.assume(host, vm);
    if (entry.cause == PlaceCause.Initial
        && context.reserve().isActive()
        && !context.reserve().holds()) {
      context.release(host, vm);
      context
          .log()
          .vm(
              vm.view(),
              new Action.KeepPending(
                  vm.key(), PendingReason.FailoverCapacityReserved, context.reserve().describe()));
      return;
    }
    if (order.timedOut() != null) {
      context.log().vm(vm.view(), new Action.StartOrderTimedOut(vm.key(), order.timedOut()));
    }
    startOrder.placed(vm);
    placeOn(context, vm, host, entry.cause);
    placed++;
  }

  private boolean awaitingRenewal() {
    if (awaitingRenewal == null) {
      awaitingRenewal = context.hostsAwaitingRenewal();
    }
    return awaitingRenewal;
  }

  /** Writes the placement, naming the instance (F1, F2). */
  static void placeOn(PlanContext context, ResolvedVm vm, HostState host, PlaceCause cause) {
    var status = vm.status();
    String template = vm.template() == null ? null : vm.template().key();
    boolean continuesLocalDisk =
        vm.isLocal() && status.instanceName() != null && status.phase() == VmPhase.Pending;
    String name;
    Long counter = null;
    if (continuesLocalDisk) {
      name = status.instanceName();
    } else if (vm.template() != null) {
      var numbered = context.names().next(vm.template());
      name = numbered.name();
      counter = numbered.counter();
    } else {
      name = vm.view().name();
    }
    context
        .log()
        .vm(vm.view(), new Action.PlaceVm(vm.key(), host.name(), name, template, counter, cause));
  }

  private void migrate(Entry entry) {
    ResolvedVm vm = entry.vm;
    HostState source = entry.leaving;
    if (migrationsInFlight[source.index()] >= context.settings().maxParallelMigrationsPerHost()) {
      context.log().vm(vm.view(), entry.unchanged);
      return;
    }
    var outcome = context.placer().choose(request(entry));
    if (outcome instanceof PlacementOutcome.Unplaceable no) {
      String why =
          "must leave host " + source.name() + " (" + entry.migration + "): " + no.message();
      context.drains().record(source, vm.key(), ReportedStateRules.CANNOT_MIGRATE, why);
      context
          .log()
          .vm(
              vm.view(),
              new Action.UpdateVmPhase(
                  vm.key(), entry.unchanged.phase(), ReportedStateRules.CANNOT_MIGRATE, why));
      return;
    }
    HostState target = hostAt(((PlacementOutcome.Placed) outcome).host());
    context.assume(target, vm);
    migrationsInFlight[source.index()]++;
    context
        .log()
        .vm(
            vm.view(),
            new Action.MigrateVm(vm.key(), source.name(), target.name(), entry.migration));
  }

  private PlacementRequest request(Entry entry) {
    ResolvedVm vm = entry.vm;
    return new PlacementRequest(
        vm.key(),
        vm.resources(),
        vm.repository(),
        vm.view().hostSelector(),
        entry.leaving == null ? -1 : entry.leaving.index(),
        entry.avoided,
        vm.view().labels(),
        vm.affinity());
  }

  private HostState hostAt(int index) {
    return context.hostAt(index);
  }

  private record Entry(
      ResolvedVm vm,
      PlaceCause cause,
      MigrationCause migration,
      HostState leaving,
      int[] avoided,
      Action.UpdateVmPhase unchanged) {
    int category() {
      if (migration != null) {
        return 1;
      }
      return cause == PlaceCause.Initial ? 2 : 0;
    }
  }

  private static final Comparator<Entry> ORDER =
      Comparator.<Entry>comparingInt(e -> e.vm.ha() ? 0 : 1)
          .thenComparingInt(e -> e.vm.priority().ordinal())
          .thenComparingInt(Entry::category)
          .thenComparing(e -> e.vm.key());
}
