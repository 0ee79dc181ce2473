package io.vmha.core.health;

import io.vmha.core.model.HostView;
import io.vmha.core.model.PowerFenceView;

/** The {@code PowerFenced} condition of a host with power management (PF1-PF5). */
final class PowerFenceCondition {
  private PowerFenceCondition() {}

  static Condition of(HostView view) {
    PowerFenceView power = view.power();
    if (!power.forOutageSince(view.lastHeartbeatSeen())) {
      return Condition.of(
          "PowerFenced",
          false,
          "NotFenced",
          "the operator powers this host off through its BMC if it is judged lost");
    }
    String since = " (begun " + power.requestedAt() + ")";
    return switch (power.state()) {
      case PoweringOff ->
          new Condition(
              "PowerFenced",
              ConditionStatus.Unknown,
              "PoweringOff",
              "powering the host off through its BMC" + since);
      case PoweredOff ->
          Condition.of(
              "PowerFenced",
              true,
              "FencedByPower",
              "the BMC confirmed the host is off" + since + ": its VMs restart elsewhere");
      case Failed ->
          Condition.of(
              "PowerFenced",
              false,
              "PowerFenceFailed",
              power.message()
                  + since
                  + "; its VMs restart elsewhere once the host must have fenced itself");
      case Idle -> throw new IllegalStateException("an idle fence is for no outage");
    };
  }
}
