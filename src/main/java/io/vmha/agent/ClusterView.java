package io.vmha.agent;

import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import java.util.Collection;
import java.util.List;

/**
 * The agent's read side of the API server: informer caches of the VMs placed on (or migrating to) a
 * host, the VmHosts (its own and its peers') and the templates. Reads never call the API server;
 * {@link #listPlacedOnFromApi} does, for the one moment a cache is not good enough (coming back
 * from a self-fence).
 */
public interface ClusterView extends AutoCloseable {

  /** VMs whose {@code status.host} is {@code host}. */
  List<VirtualMachine> placedOn(String host);

  /** VMs whose {@code status.migration.targetHost} is {@code host}. */
  List<VirtualMachine> migratingTo(String host);

  /** VMs whose {@code status.host} is {@code host}, read from the API server now, not a cache. */
  List<VirtualMachine> listPlacedOnFromApi(String host);

  /** The VmHost named so, or null. */
  VmHost host(String name);

  /** Every VmHost. */
  Collection<VmHost> hosts();

  /** The VmTemplate, or null. */
  VmTemplate template(String namespace, String name);

  /** The {@code vmha-spm} Lease, or null if there is none. */
  io.fabric8.kubernetes.api.model.coordination.v1.Lease spmLease();

  /** Calls {@code onChange} whenever something that concerns {@code host} changes. */
  Subscription subscribe(String host, Runnable onChange);

  @Override
  void close();

  /** Ends a {@link #subscribe} registration. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
