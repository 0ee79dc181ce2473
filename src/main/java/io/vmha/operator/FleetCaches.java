package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;

/**
 * The informer caches the controllers already keep, lent to the fleet loop: planning reads them
 * instead of listing from the API server, and nothing is watched twice.
 */
final class FleetCaches {
  volatile Cache<VmHost> hosts;
  volatile Cache<StorageRepository> repositories;
  volatile Cache<VmTemplate> templates;
  volatile Cache<VirtualMachine> vms;
  volatile Cache<Lease> operatorLeases;
  volatile Cache<Lease> guestLeases;

  boolean complete() {
    return hosts != null
        && repositories != null
        && templates != null
        && vms != null
        && operatorLeases != null
        && guestLeases != null;
  }
}
