package io.vmha.core.health;

import io.vmha.core.model.HostPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The fixed set of conditions a host's status carries. */
public final class HostConditions {
  private HostConditions() {}

  public static List<Condition> of(
      HostState host,
      Instant now,
      FailoverFreeze freeze,
      Duration gracePeriod,
      DrainObstacles drains) {
    List<Condition> conditions = new ArrayList<>(12);
    var view = host.view();
    var report = view.report();
    HostPhase phase = host.phase();
    conditions.add(
        phase == HostPhase.NotResponding
            ? new Condition("Ready", ConditionStatus.Unknown, "NotResponding", "host agent lost")
            : Condition.of("Ready", phase == HostPhase.Up, phase.name(), "host is " + phase));
    // The message must not carry the heartbeat's age: it would change, and be written, every plan.
    long grace = gracePeriod.toSeconds();
    conditions.add(
        Condition.of(
            "AgentConnected",
            host.heartbeatFresh(),
            host.heartbeatFresh() ? "HeartbeatFresh" : "HeartbeatExpired",
            host.heartbeatFresh()
                ? "heartbeat renewed within the last " + grace + "s"
                : "no heartbeat for more than " + grace + "s"));
    if (host.reporting()) {
      conditions.add(
          Condition.of(
              "StorageConnected",
              report.storageConnected(),
              report.storageConnected() ? "StorageReachable" : "StorageLost",
              report.storageConnected() ? "agent reaches storage" : "agent lost storage"));
      conditions.add(
          Condition.of(
              "NetworkConnected",
              report.networkConnected(),
              report.networkConnected() ? "NetworkReachable" : "NetworkLost",
              report.networkConnected() ? "agent reaches the network" : "agent lost network"));
    } else {
      String reason = host.heartbeatFresh() ? "AgentNotReported" : "NotResponding";
      conditions.add(new Condition("StorageConnected", ConditionStatus.Unknown, reason, ""));
      conditions.add(new Condition("NetworkConnected", ConditionStatus.Unknown, reason, ""));
    }
    conditions.add(
        host.settingsMismatch().isEmpty()
            ? Condition.of(
                "SettingsMatch",
                true,
                "SettingsMatch",
                "the agent runs the operator's timings, fencing policy and failover threshold")
            : Condition.of(
                "SettingsMatch",
                false,
                "SettingsMismatch",
                "the agent runs other settings than the operator, so it may not fence when the"
                    + " operator expects it to: "
                    + String.join(", ", host.settingsMismatch())));
    conditions.add(schedulable(host));
    conditions.add(drains.condition(host));
    conditions.add(
        Condition.of(
            "FencingRequested",
            view.fencingRequested(),
            view.fencingRequested() ? "SpmStorageLost" : "NotRequested",
            view.fencingRequested() ? "the agent must fence itself" : ""));
    boolean fenced = phase == HostPhase.Fenced;
    conditions.add(
        Condition.of(
            "Fenced",
            fenced,
            fenced ? "AgentConfirmed" : "NotFenced",
            fenced ? "the agent confirmed fencing" : ""));
    if (view.powerManaged()) {
      conditions.add(PowerFenceCondition.of(view));
    }
    conditions.add(
        Condition.of(
            "FailoverFrozen",
            freeze.frozen(),
            freeze.frozen() ? "TooManyHostsNotResponding" : "FailoverActive",
            freeze.message()));
    return conditions;
  }

  private static Condition schedulable(HostState host) {
    var view = host.view();
    if (host.acceptsVms()) {
      return Condition.of("Schedulable", true, "Schedulable", "new VMs may be placed here");
    }
    String reason =
        view.deleting()
            ? "Deleting"
            : view.maintenance()
                ? "Maintenance"
                : view.unschedulable() ? "Cordoned" : "Not" + HostPhase.Up;
    if (host.phase() == HostPhase.Up && !view.renewalObserved() && reason.equals("NotUp")) {
      return Condition.of(
          "Schedulable",
          false,
          "AwaitingRenewal",
          "the operator has not yet seen this host renew its heartbeat since it took over");
    }
    return Condition.of("Schedulable", false, reason, "host is " + host.phase());
  }
}
