package io.vmha.core;

import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import io.vmha.core.model.VmView;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Collects a plan's actions in the order the operator must apply them: fleet and host actions,
 * template counters, VM actions, then standing stop orders. VM status actions that would not change
 * the recorded status are dropped, so an unchanged fleet yields no VM writes.
 */
public final class ActionLog {
  private final List<Action> fleet = new ArrayList<>();
  private final List<Action> counters = new ArrayList<>();
  private final List<Action> vms = new ArrayList<>();
  private final List<Action> stops = new ArrayList<>();

  public void fleet(Action action) {
    fleet.add(action);
  }

  public void counter(Action.AdvanceTemplateCounter action) {
    counters.add(action);
  }

  public void stop(Action.StopInstance action) {
    stops.add(action);
  }

  public void vm(VmView vm, Action action) {
    if (changes(vm.status(), action)) {
      vms.add(action);
    }
  }

  public List<Action> all() {
    List<Action> all = new ArrayList<>(fleet.size() + counters.size() + vms.size() + stops.size());
    all.addAll(fleet);
    all.addAll(counters);
    all.addAll(vms);
    all.addAll(stops);
    return all;
  }

  static boolean changes(VmStatusView status, Action action) {
    if (action instanceof Action.UpdateVmPhase update) {
      return status.phase() != update.phase()
          || !sameLine(status, update.reason(), update.message());
    }
    if (action instanceof Action.KeepPending pending) {
      return status.phase() != VmPhase.Pending
          || status.host() != null
          || !sameLine(status, pending.reason().name(), pending.message());
    }
    if (action instanceof Action.LeaveAlone leave) {
      return !sameLine(status, leave.reason().name(), leave.message());
    }
    if (action instanceof Action.MarkFailed failed) {
      return status.phase() != VmPhase.Failed
          || status.host() != null
          || !sameLine(status, failed.reason().name(), failed.message());
    }
    if (action instanceof Action.StopVm) {
      return status.phase() != VmPhase.Stopped || status.host() != null;
    }
    return true;
  }

  private static boolean sameLine(VmStatusView status, String reason, String message) {
    return Objects.equals(status.reason(), reason) && Objects.equals(status.message(), message);
  }
}
