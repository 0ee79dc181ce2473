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

  /**
   * Watches everything anew when the caches stopped following the API server; the old caches serve
   * reads until the new ones are filled. A view without watches of its own does nothing.
   *
   * @return whether a restart began now (a view may refuse one while another runs, or too soon
   *     after the last)
   */
  default boolean restartWatches() {
    return false;
  }

  @Override
  void close();

  /** Ends a {@link #subscribe} registration. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
