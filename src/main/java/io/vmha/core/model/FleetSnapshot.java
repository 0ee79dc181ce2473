package io.vmha.core.model;

import io.vmha.core.Settings;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything the engine decides from, read from the informer caches at one moment.
 *
 * <p>The snapshot must contain the operator's own earlier writes (read-your-writes): a placement
 * the operator wrote but does not see yet would look like an orphaned instance to the engine.
 *
 * @param now the operator's clock; every timestamp in the snapshot is on the same clock
 * @param failoverFrozen whether the operator has recorded failover as frozen (H5), so the engine
 *     emits freeze / unfreeze only on a change
 * @param failoverResumedAt when the operator last recorded failover as unfrozen (the time it
 *     applied {@code UnfreezeFailover}: the {@code FailoverFrozen=False} condition's
 *     lastTransitionTime), or null if never or unknown. Agents cut off in a mass outage hold off
 *     self-fencing and keep their watchdog fed, so their VMs count as stopped only {@code
 *     selfFenceAfter + heartbeatInterval} after failover resumed
 */
public record FleetSnapshot(
    Instant now,
    Settings settings,
    List<HostView> hosts,
    List<RepositoryView> repositories,
    List<TemplateView> templates,
    List<VmView> vms,
    SpmLeaseView spmLease,
    boolean failoverFrozen,
    Instant failoverResumedAt) {

  /** A snapshot that does not know when failover last resumed. */
  public FleetSnapshot(
      Instant now,
      Settings settings,
      List<HostView> hosts,
      List<RepositoryView> repositories,
      List<TemplateView> templates,
      List<VmView> vms,
      SpmLeaseView spmLease,
      boolean failoverFrozen) {
    this(now, settings, hosts, repositories, templates, vms, spmLease, failoverFrozen, null);
  }

  public FleetSnapshot {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(settings, "settings");
    hosts = List.copyOf(hosts);
    repositories = List.copyOf(repositories);
    templates = List.copyOf(templates);
    vms = List.copyOf(vms);
    spmLease = spmLease == null ? SpmLeaseView.none() : spmLease;
  }
}
