package io.vmha.core.health;

import io.vmha.core.MigrationCause;
import io.vmha.core.Settings;
import io.vmha.core.model.AgentReport;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Judges a host's phase from its heartbeat, its agent's report and its spec (H1–H4, S4). */
public final class HostHealthEvaluator {
  private final Settings settings;
  private final Instant now;
  private final io.vmha.core.model.AgentSettings expected;

  public HostHealthEvaluator(Settings settings, Instant now) {
    this.settings = settings;
    this.now = now;
    this.expected = io.vmha.core.model.AgentSettings.of(settings);
  }

  /**
   * @param vmsOnHost VMs placed on or migrating to the host, to tell draining from drained
   */
  public HostState evaluate(int index, HostView host, int vmsOnHost) {
    boolean fresh = now.isBefore(heartbeatExpiry(host));
    AgentReport report = host.report();
    boolean reporting = fresh && report != null;
    List<String> mismatch =
        report == null || report.settings() == null
            ? List.of()
            : report.settings().differencesFrom(expected);
    HostPhase phase = phase(host, fresh, report, vmsOnHost, !mismatch.isEmpty());
    MigrationCause evacuation = reporting ? evacuation(host, report) : null;
    return new HostState(index, host, phase, fresh, reporting, evacuation, index(report), mismatch);
  }

  /**
   * When the host is judged lost: after the grace period, or after the shorter power-fenced grace
   * period if the operator can power it off (PF1).
   */
  public Instant heartbeatExpiry(HostView host) {
    return host.lastHeartbeatSeen().plus(gracePeriod(settings, host));
  }

  public static java.time.Duration gracePeriod(Settings settings, HostView host) {
    return host.powerManaged() ? settings.powerFencedGracePeriod() : settings.hostGracePeriod();
  }

  /**
   * @param settingsDiffer the agent runs other timings, fencing or threshold than the operator
   *     (R6): it may not fence when the operator expects it to, so nothing new is placed there; its
   *     VMs stay where they are
   */
  private static HostPhase phase(
      HostView host, boolean fresh, AgentReport report, int vmsOnHost, boolean settingsDiffer) {
    if (!fresh) {
      return HostPhase.NotResponding;
    }
    if (report == null) {
      // alive but silent: nothing to trust yet, so nothing is placed here
      return HostPhase.NonOperational;
    }
    if (host.fencingRequested()) {
      return report.fenced() ? HostPhase.Fenced : HostPhase.Fencing;
    }
    if (!report.storageConnected() || !report.networkConnected() || settingsDiffer) {
      return HostPhase.NonOperational;
    }
    if (host.maintenance() || host.deleting()) {
      return vmsOnHost > 0 ? HostPhase.PreparingForMaintenance : HostPhase.Maintenance;
    }
    return HostPhase.Up;
  }

  private static MigrationCause evacuation(HostView host, AgentReport report) {
    if (!report.storageConnected()) {
      return MigrationCause.StorageLost;
    }
    if (!report.networkConnected()) {
      return MigrationCause.NetworkLost;
    }
    if (host.fencingRequested()) {
      return MigrationCause.Fencing;
    }
    if (host.deleting()) {
      return MigrationCause.HostDeleting;
    }
    if (host.maintenance()) {
      return MigrationCause.Maintenance;
    }
    return null;
  }

  private static Map<InstanceKey, InstanceReport> index(AgentReport report) {
    if (report == null || report.instances().isEmpty()) {
      return Map.of();
    }
    Map<InstanceKey, InstanceReport> byKey = new HashMap<>(report.instances().size() * 2);
    for (InstanceReport instance : report.instances()) {
      byKey.put(new InstanceKey(instance.vmKey(), instance.instanceName()), instance);
    }
    return byKey;
  }
}
