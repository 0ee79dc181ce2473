package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Writes a new holder into the Lease {@code vmha-spm}, with optimistic locking on the version the
 * plan saw. The engine assigns only once the old Lease expired or was released by its holder (S3);
 * releasing is the holder's own job, never the operator's.
 */
final class SpmLeaseWriter {
  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final FleetMetrics metrics;
  private final HeartbeatTracker heartbeats;
  private final Settings settings;
  private final String namespace;

  SpmLeaseWriter(
      KubernetesClient client,
      OwnWrites ownWrites,
      FleetMetrics metrics,
      HeartbeatTracker heartbeats,
      Settings settings,
      String namespace) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.metrics = metrics;
    this.heartbeats = heartbeats;
    this.settings = settings;
    this.namespace = namespace;
  }

  /** False when the Lease changed under us: the plan is retried. */
  boolean assign(Lease current, String holder, Instant now) {
    var time = now.atZone(ZoneOffset.UTC);
    int duration = (int) settings.spmLeaseDuration().toSeconds();
    try {
      Lease written;
      if (current == null) {
        Lease lease =
            new LeaseBuilder()
                .withNewMetadata()
                .withName(VmhaApi.SPM_LEASE)
                .withNamespace(namespace)
                .addToLabels(LeaseObserver.KIND_LABEL, "spm")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(holder)
                .withAcquireTime(time)
                .withRenewTime(time)
                .withLeaseDurationSeconds(duration)
                .withLeaseTransitions(0)
                .endSpec()
                .build();
        written = client.leases().inNamespace(namespace).resource(lease).create();
      } else {
        Lease lease = client.getKubernetesSerialization().clone(current);
        var spec = lease.getSpec();
        boolean newHolder = !Objects.equals(spec.getHolderIdentity(), holder);
        spec.setHolderIdentity(holder);
        spec.setLeaseDurationSeconds(duration);
        spec.setAcquireTime(time);
        spec.setRenewTime(time);
        if (newHolder) {
          spec.setLeaseTransitions(
              (spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions()) + 1);
        }
        written = client.leases().inNamespace(namespace).resource(lease).update();
      }
      ownWrites.record(written);
      heartbeats.observe(
          HeartbeatTracker.SPM_KEY,
          written.getSpec().getRenewTime() == null
              ? ""
              : written.getSpec().getRenewTime().toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        metrics.conflict();
        return false;
      }
      throw e;
    }
  }
}
