package io.vmha.core.vm;

import io.vmha.core.PendingReason;
import io.vmha.core.PlaceCause;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.VmPhase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * O1, orchestrated restarts. A VM restarting (failover, restart, return to its host) waits while a
 * VM of a higher priority tier that sets a readiness is being started and is not ready yet; any VM
 * waits while a VM it names in {@code startAfter} is being started and is not ready yet. Either
 * wait ends at the other VM's timeout, counted from when its current phase began. A VM that is not
 * being started (running and ready, stopped, failed, invalid, gone) holds nothing back.
 */
final class StartOrder {
  /** Whether a VM may be placed now; if it may only because a wait timed out, says so. */
  record Verdict(PendingReason reason, String message, String timedOut) {
    static final Verdict GO = new Verdict(null, null, null);

    boolean holds() {
      return reason != null;
    }
  }

  private final PlanContext context;
  private final Map<String, ResolvedVm> vms;
  private final Map<String, StartDependencies.Refusal> refused;
  private final List<ResolvedVm> tierHolders = new ArrayList<>();
  private final Set<String> placedNow = new HashSet<>();

  StartOrder(PlanContext context, Map<String, ResolvedVm> vms) {
    this.context = context;
    this.vms = vms;
    this.refused = StartDependencies.problems(vms);
    for (ResolvedVm vm : vms.values()) {
      if (vm.readiness() != null && vm.ha()) {
        tierHolders.add(vm);
      }
    }
    tierHolders.sort(java.util.Comparator.comparing(ResolvedVm::key));
  }

  Map<String, StartDependencies.Refusal> refused() {
    return refused;
  }

  /** The VM was placed in this plan: it is being started, and not ready, until a later plan. */
  void placed(ResolvedVm vm) {
    placedNow.add(vm.key());
  }

  Verdict verdict(ResolvedVm vm, PlaceCause cause) {
    List<String> timedOut = new ArrayList<>();
    if (!refused.containsKey(vm.key())) {
      for (String key : StartDependencies.dependencies(vm)) {
        ResolvedVm dependency = vms.get(key);
        Wait wait = dependency == null ? Wait.NONE : waitFor(dependency);
        if (wait.until != null) {
          return wait.hold(
              PendingReason.WaitingForDependency, "starts after " + key + ", which is ");
        }
        wait.noteTimeout(key, timedOut);
      }
    }
    if (cause != PlaceCause.Initial) {
      for (ResolvedVm holder : tierHolders) {
        if (holder.priority().ordinal() >= vm.priority().ordinal() || holder == vm) {
          continue;
        }
        Wait wait = waitFor(holder);
        if (wait.until != null) {
          return wait.hold(
              PendingReason.WaitingForPriorityTier,
              "the "
                  + holder.priority()
                  + " priority tier restarts first: "
                  + holder.key()
                  + " is ");
        }
        wait.noteTimeout(holder.key(), timedOut);
      }
    }
    if (timedOut.isEmpty()) {
      return Verdict.GO;
    }
    return new Verdict(
        null,
        null,
        "started without waiting any longer for "
            + String.join(", ", timedOut)
            + ": the wait timed out");
  }

  private record Wait(String state, Instant until, boolean timedOut) {
    static final Wait NONE = new Wait(null, null, false);

    Verdict hold(PendingReason reason, String awaited) {
      return new Verdict(reason, awaited + state + "; waits until " + until + " at most", null);
    }

    void noteTimeout(String key, List<String> timedOut) {
      if (this.timedOut) {
        timedOut.add(key + " (" + state + ")");
      }
    }
  }

  /** Whether VMs waiting for {@code other} must wait now, and until when at most. */
  private Wait waitFor(ResolvedVm other) {
    StartReadiness readiness =
        other.readiness() != null ? other.readiness() : StartReadiness.RUNNING;
    Instant now = context.now();
    if (placedNow.contains(other.key())) {
      return new Wait("placed just now", now.plus(readiness.timeout()), false);
    }
    var view = other.view();
    VmPhase phase = view.status().phase();
    if (view.deleting() || !view.running() || other.problem() != null || !beingStarted(phase)) {
      return Wait.NONE;
    }
    String state = notReady(other, readiness);
    if (state == null) {
      return Wait.NONE;
    }
    Instant since = view.status().phaseSince() == null ? now : view.status().phaseSince();
    Instant until = since.plus(readiness.timeout());
    if (!now.isBefore(until)) {
      return new Wait(state, null, true);
    }
    context.deadlines().consider(until);
    return new Wait(state, until, false);
  }

  private static boolean beingStarted(VmPhase phase) {
    return phase == null
        || phase == VmPhase.Pending
        || phase == VmPhase.Starting
        || phase == VmPhase.Running;
  }

  /** Null when ready, else what it is still doing. */
  private String notReady(ResolvedVm vm, StartReadiness readiness) {
    var status = vm.status();
    if (status.phase() != VmPhase.Running) {
      return status.phase() == null ? "Pending" : status.phase().name();
    }
    if (status.phaseSince() != null) {
      Instant readyAt = status.phaseSince().plus(readiness.postReadyDelay());
      if (context.now().isBefore(readyAt)) {
        context.deadlines().consider(readyAt);
        return "Running, for less than its postReadyDelay of "
            + readiness.postReadyDelay().toSeconds()
            + " s";
      }
    }
    if (readiness.readyWhen() == StartReadiness.ReadyWhen.GuestReady) {
      var host = context.host(status.host());
      InstanceReport instance =
          host == null ? null : host.instance(vm.key(), status.instanceName());
      if (instance == null || !Boolean.TRUE.equals(instance.guestAgentAnswers())) {
        return "Running, its guest agent not answering yet";
      }
    }
    return null;
  }
}
