package io.vmha.agent.sim;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import io.vmha.api.VmHost;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live migration between simulated hypervisors: the instance is handed from one host's driver to
 * the other's when both are in this simulation, and over the target's peer endpoint when it runs in
 * another process ({@link PeerMigrations}).
 */
final class SimulatedMigrator implements SimulatedDriver.Migrator {
  // logged under the simulation's name, where its migrations were always logged
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedDatacenter.class);

  private final Function<String, SimulatedDriver> drivers;
  private final SharedIndexInformer<VmHost> hosts;
  private final Object lock = new Object();

  private volatile PeerMigrations peerMigrations;

  /**
   * @param drivers the driver of a host in this simulation, or null
   * @param hosts the VmHosts, for the peer endpoint of a host in another process
   */
  SimulatedMigrator(Function<String, SimulatedDriver> drivers, SharedIndexInformer<VmHost> hosts) {
    this.drivers = drivers;
    this.hosts = hosts;
  }

  /** From now on migrations to hosts in other processes go over {@code peers}. */
  void reachOtherProcesses(PeerMigrations peers) {
    this.peerMigrations = peers;
  }

  @Override
  public void migrate(SimulatedDriver source, InstanceRef instance, String targetHost)
      throws DriverException {
    if (drivers.apply(targetHost) == null) {
      migrateToAnotherProcess(source, instance, targetHost);
      return;
    }
    synchronized (lock) {
      SimulatedDriver target = drivers.apply(targetHost);
      if (target == null) {
        throw new DriverException("host " + targetHost + " is not in this simulation");
      }
      if (target == source) {
        return;
      }
      handOver(source, instance, target::receive);
      LOG.info("simulated migration of {} from {} to {}", instance, source.host(), targetHost);
    }
  }

  /** The target host runs in another process: its agent takes the instance over its endpoint. */
  private void migrateToAnotherProcess(
      SimulatedDriver source, InstanceRef instance, String targetHost) throws DriverException {
    VmHost target = hosts.getStore().getByKey(targetHost);
    String endpoint =
        target == null || target.getStatus() == null || target.getStatus().getReported() == null
            ? null
            : target.getStatus().getReported().getEndpoint();
    if (endpoint == null || endpoint.isBlank() || peerMigrations == null) {
      throw new DriverException(
          "host " + targetHost + " is neither in this simulation nor reports a peer endpoint");
    }
    handOver(source, instance, moving -> peerMigrations.send(moving, targetHost, endpoint));
    LOG.info(
        "simulated migration of {} from {} to {} (another process)",
        instance,
        source.host(),
        targetHost);
  }

  /** Where a migrating instance goes; it may refuse it. */
  private interface Receiver {
    void receive(SimulatedDriver.SimInstance moving) throws DriverException;
  }

  /** Takes the instance off its source and hands it over; a refused instance goes back. */
  private static void handOver(SimulatedDriver source, InstanceRef instance, Receiver receiver)
      throws DriverException {
    SimulatedDriver.SimInstance moving = source.take(instance);
    if (moving == null) {
      throw new DriverException("no instance " + instance + " on host " + source.host());
    }
    try {
      receiver.receive(moving);
    } catch (DriverException e) {
      source.restore(moving);
      throw e;
    }
  }
}
