package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.util.Map;

/**
 * Turns Lease changes into heartbeat observations. Renewals are the busiest events in the fleet
 * (one per host every heartbeat interval), so they never trigger a reconcile: the tracker notes
 * them, and only a change that can alter a decision wakes the fleet loop.
 */
final class LeaseObserver {
  static final String KIND_LABEL = io.vmha.api.VmhaApi.LEASE_KIND_LABEL;

  private final FleetLoop fleet;

  LeaseObserver(FleetLoop fleet) {
    this.fleet = fleet;
  }

  boolean onOperatorLease(Lease lease, Lease previous) {
    String kind = kind(lease);
    String renew = renewTime(lease);
    if ("host".equals(kind)) {
      // the Lease's name says whose heartbeat it is; holderIdentity is whatever its writer put
      // there
      String host = hostOf(lease);
      if (host != null && fleet.heartbeats().observe(HeartbeatTracker.hostKey(host), renew)) {
        fleet.hostHeartbeat(host);
      }
      if (host != null && previous != null && !acquired(previous).equals(acquired(lease))) {
        // the agent began a new run: its report of the new run may already be waiting for it
        fleet.leaseChanged();
      }
    } else if ("spm".equals(kind)) {
      fleet.heartbeats().observe(HeartbeatTracker.SPM_KEY, renew);
      if (previous == null || !java.util.Objects.equals(holder(previous), holder(lease))) {
        fleet.leaseChanged();
      }
    }
    return false;
  }

  static String hostOf(Lease lease) {
    String name = lease.getMetadata().getName();
    return name.startsWith(io.vmha.api.VmhaApi.HOST_LEASE_PREFIX)
        ? name.substring(io.vmha.api.VmhaApi.HOST_LEASE_PREFIX.length())
        : null;
  }

  boolean onGuestLease(Lease lease) {
    String vm =
        lease.getMetadata().getName().substring(io.vmha.api.VmhaApi.GUEST_LEASE_PREFIX.length());
    boolean first =
        fleet
                .heartbeats()
                .lastSeen(HeartbeatTracker.guestKey(lease.getMetadata().getNamespace(), vm))
            == null;
    fleet
        .heartbeats()
        .observe(
            HeartbeatTracker.guestKey(lease.getMetadata().getNamespace(), vm), renewTime(lease));
    if (first) {
      fleet.leaseChanged();
    }
    return false;
  }

  private static String kind(Lease lease) {
    Map<String, String> labels = lease.getMetadata().getLabels();
    return labels == null ? null : labels.get(KIND_LABEL);
  }

  private static String holder(Lease lease) {
    return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static String acquired(Lease lease) {
    return lease.getSpec() == null || lease.getSpec().getAcquireTime() == null
        ? ""
        : lease.getSpec().getAcquireTime().toString();
  }

  static String renewTime(Lease lease) {
    return lease.getSpec() == null || lease.getSpec().getRenewTime() == null
        ? ""
        : lease.getSpec().getRenewTime().toString();
  }
}
