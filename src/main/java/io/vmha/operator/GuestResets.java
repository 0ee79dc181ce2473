package io.vmha.operator;

import io.vmha.api.Condition;
import io.vmha.api.InstanceReport;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmMonitoring;
import io.vmha.api.VmTemplate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the operator keeps of VM monitoring (M1) on the VM: the resets its host reported (count,
 * last, the recent ones, which a restarted agent reads back), and the {@code GuestMonitored}
 * condition, False with reason {@code GaveUp} while the agent leaves a silent guest alone. A reset
 * is new when it is later than the last one recorded, so each reset is counted and told once,
 * however many plans see the same report.
 */
final class GuestResets {
  static final String CONDITION = "GuestMonitored";
  static final String EVENT = "GuestReset";
  static final String GAVE_UP = "GaveUp";

  private GuestResets() {}

  /**
   * Records in {@code status} the resets {@code heard} reports that it does not have yet.
   *
   * @param heard the report of the VM's current instance by its host, or null
   * @return the new resets, oldest first
   */
  static List<Instant> record(VirtualMachineStatus status, InstanceReport heard) {
    if (heard == null) {
      return List.of();
    }
    Instant last = Timestamps.parseOrNull(status.getLastGuestResetTime());
    List<Instant> fresh = new ArrayList<>();
    for (Instant reset : reported(heard)) {
      if (last == null || reset.isAfter(last)) {
        fresh.add(reset);
      }
    }
    if (!fresh.isEmpty()) {
      int before = status.getGuestResetCount() == null ? 0 : status.getGuestResetCount();
      status.setGuestResetCount(before + fresh.size());
      status.setLastGuestResetTime(fresh.get(fresh.size() - 1).toString());
    }
    List<String> recent = heard.getGuestResets();
    status.setRecentGuestResets(recent == null || recent.isEmpty() ? null : List.copyOf(recent));
    return fresh;
  }

  /** Whether the status is due a write for what {@code heard} says about monitoring. */
  static boolean changes(VirtualMachine vm, InstanceReport heard) {
    VirtualMachineStatus status = vm.getStatus();
    Condition condition =
        status == null ? null : io.vmha.api.Condition.find(status.getConditions(), CONDITION);
    boolean gaveUp = condition != null && GAVE_UP.equals(condition.getReason());
    if (heard == null) {
      return gaveUp; // the guest answers again, or its resets left the window: not left alone
    }
    List<String> recent = status == null ? null : status.getRecentGuestResets();
    List<String> reported = heard.getGuestResets();
    boolean resetsDiffer =
        !Objects.equals(
            recent == null ? List.of() : recent, reported == null ? List.of() : reported);
    return resetsDiffer || gaveUp != Boolean.TRUE.equals(heard.getGuestLeftAlone());
  }

  /**
   * {@code GuestMonitored} where the VM (or its template) enables monitoring; appended to {@code
   * conditions}, keeping its transition time from {@code before}.
   *
   * @return whether it has just become GaveUp
   */
  static boolean condition(
      VirtualMachine vm,
      VmTemplate template,
      InstanceReport heard,
      List<Condition> before,
      List<Condition> conditions,
      Instant now) {
    VmMonitoring monitoring =
        VmMonitoring.watched(vm.getSpec(), template == null ? null : template.getSpec());
    if (monitoring == null) {
      return false; // the agent watches nothing then (a guest without an agent is never reset)
    }
    VirtualMachineStatus status = vm.getStatus();
    int count = status.getGuestResetCount() == null ? 0 : status.getGuestResetCount();
    boolean leftAlone = heard != null && Boolean.TRUE.equals(heard.getGuestLeftAlone());
    Conditions.Desired desired =
        leftAlone
            ? Conditions.Desired.of(
                CONDITION,
                false,
                GAVE_UP,
                "the guest agent is silent, and the guest was reset "
                    + reported(heard).size()
                    + " times within "
                    + monitoring.getResetWindow()
                    + " (maxResets): left alone; reset or restart it yourself")
            : Conditions.Desired.of(
                CONDITION,
                true,
                count == 0 ? "Watching" : "Reset",
                count == 0
                    ? "the guest agent is watched; a silent guest is reset in place"
                    : "reset in place "
                        + count
                        + " time(s), last at "
                        + status.getLastGuestResetTime());
    Condition old = io.vmha.api.Condition.find(before, CONDITION);
    conditions.addAll(
        Conditions.merge(before, List.of(desired), now, vm.getMetadata().getGeneration()));
    return leftAlone && (old == null || !GAVE_UP.equals(old.getReason()));
  }

  private static List<Instant> reported(InstanceReport heard) {
    List<Instant> times = new ArrayList<>();
    if (heard.getGuestResets() != null) {
      for (String text : heard.getGuestResets()) {
        Instant t = Timestamps.parseOrNull(text);
        if (t != null) {
          times.add(t);
        }
      }
    }
    times.sort(null);
    return times;
  }
}
