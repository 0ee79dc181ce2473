package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the leader Lease up when a replica stops on purpose: its holder is cleared, on the version
 * read (a replica that lost the Lease meanwhile clears nothing), so a follower, whose elector takes
 * a Lease without holder at once, leads within one retry period instead of one Lease duration.
 */
final class LeaderLeaseRelease {
  private static final Logger log = LoggerFactory.getLogger(LeaderLeaseRelease.class);

  private LeaderLeaseRelease() {}

  static void release(KubernetesClient client, OperatorOptions options) {
    try {
      var leases = client.leases().inNamespace(options.leaseNamespace());
      Lease lease = leases.withName(options.leaseName()).get();
      if (lease == null
          || lease.getSpec() == null
          || !options.identity().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity("");
      leases.resource(lease).lockResourceVersion(lease.getMetadata().getResourceVersion()).update();
      log.info("released the leader Lease {}", options.leaseName());
    } catch (KubernetesClientException e) {
      log.warn("could not release the leader Lease {}: {}", options.leaseName(), e.getMessage());
    }
  }
}
