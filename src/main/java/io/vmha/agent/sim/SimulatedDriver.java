package io.vmha.agent.sim;

import io.vmha.agent.DriverException;
import io.vmha.agent.HypervisorDriver;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One host's simulated hypervisor: instances live in a map, start and stop at once, and a migration
 * hands an instance to another host's simulated hypervisor in the same {@link SimulatedDatacenter}.
 * Faults are switches the datacenter flips.
 */
public final class SimulatedDriver implements HypervisorDriver {
  /** The reason of a start refused by the {@code start-failure} fault. */
  public static final String START_FAILURE = "simulated start failure (fault start-failure)";

  public static final String MIGRATION_FAILURE =
      "simulated migration failure (fault migration-failure)";

  /** Which repositories a host reaches: shared ones only with storage, local ones always. */
  public interface RepositoryCatalog {
    Set<String> reachable(String host, boolean storageConnected);
  }

  /** Hands an instance to another host's simulated hypervisor. */
  interface Migrator {
    void migrate(SimulatedDriver source, InstanceRef instance, String targetHost)
        throws DriverException;
  }

  private final String host;
  private final Clock clock;
  private final RepositoryCatalog repositories;
  private final Migrator migrator;
  private final Map<InstanceRef, SimInstance> instances = new LinkedHashMap<>();
  private volatile boolean storageConnected = true;
  private volatile boolean networkConnected = true;
  private volatile boolean failStarts;
  private volatile boolean refuseMigrations;
  private volatile boolean poweredOn = true;

  /** Guests whose guest agent no longer answers (the guest-hang fault), until they are reset. */
  private final Set<InstanceRef> hung = java.util.concurrent.ConcurrentHashMap.newKeySet();

  SimulatedDriver(String host, Clock clock, RepositoryCatalog repositories, Migrator migrator) {
    this.host = host;
    this.clock = clock;
    this.repositories = repositories;
    this.migrator = migrator;
  }

  /** A driver alone, outside a datacenter: it cannot migrate. */
  public static SimulatedDriver standalone(
      String host, Clock clock, RepositoryCatalog repositories) {
    return new SimulatedDriver(
        host,
        clock,
        repositories,
        (source, instance, target) -> {
          throw new DriverException("host " + target + " is not in this simulation");
        });
  }

  public String host() {
    return host;
  }

  @Override
  public String name() {
    return "simulated";
  }

  @Override
  public synchronized void start(InstanceRef instance, Resources resources, ImageRef image)
      throws DriverException {
    requirePower();
    if (instances.containsKey(instance)) {
      return;
    }
    if (failStarts) {
      throw new DriverException(START_FAILURE);
    }
    if (image == null || !reachableRepositories().contains(image.getRepository())) {
      throw new DriverException(
          "repository "
              + (image == null ? null : image.getRepository())
              + " is not reachable from host "
              + host);
    }
    instances.put(
        instance,
        new SimInstance(
            new Instance(
                instance.name(),
                instance.vmKey(),
                Instance.State.Running,
                null,
                resources,
                clock.instant()),
            image));
  }

  @Override
  public synchronized void pause(InstanceRef instance, String reason) throws DriverException {
    SimInstance sim = require(instance);
    if (sim.instance().state() == Instance.State.Running) {
      put(sim.instance().withState(Instance.State.Paused, reason, clock.instant()), sim.image());
    }
  }

  @Override
  public synchronized void resume(InstanceRef instance) throws DriverException {
    SimInstance sim = require(instance);
    if (sim.instance().state() == Instance.State.Paused) {
      put(sim.instance().withState(Instance.State.Running, null, clock.instant()), sim.image());
    }
  }

  @Override
  public synchronized void stop(InstanceRef instance) {
    instances.remove(instance);
    hung.remove(instance);
  }

  /**
   * A hung guest is restarted: the same instance, running anew from now, its guest agent answering
   * again.
   */
  @Override
  public synchronized void reset(InstanceRef instance) throws DriverException {
    SimInstance sim = require(instance);
    hung.remove(instance);
    put(sim.instance().withState(Instance.State.Running, null, clock.instant()), sim.image());
  }

  /**
   * Only a hung guest is heard (it does not answer): the simulation's guest agents renew Leases
   * instead of answering pings, and saying "answers" for every guest would give every simulated VM
   * a GuestReady condition it never had.
   */
  @Override
  public java.util.Optional<Boolean> guestAgentAnswers(InstanceRef instance) {
    return hung.contains(instance) ? java.util.Optional.of(false) : java.util.Optional.empty();
  }

  /** The guest of {@code instance} hangs: its guest agent stops answering; the host is fine. */
  public synchronized boolean hang(InstanceRef instance) {
    if (!instances.containsKey(instance)) {
      return false;
    }
    hung.add(instance);
    return true;
  }

  /** Whether the guest of {@code instance} is hung. */
  public boolean isHung(InstanceRef instance) {
    return hung.contains(instance);
  }

  @Override
  public void migrate(InstanceRef instance, String targetHost) throws DriverException {
    migrator.migrate(this, instance, targetHost);
  }

  @Override
  public synchronized List<Instance> instances() {
    List<Instance> list = new ArrayList<>();
    instances.values().forEach(s -> list.add(s.instance()));
    return list;
  }

  @Override
  public boolean storageConnected() {
    return storageConnected;
  }

  @Override
  public boolean networkConnected() {
    return networkConnected;
  }

  @Override
  public Set<String> reachableRepositories() {
    return poweredOn ? repositories.reachable(host, storageConnected) : Set.of();
  }

  @Override
  public String migrationUri() {
    return "sim://" + host;
  }

  public boolean isPoweredOn() {
    return poweredOn;
  }

  // ---- what the datacenter does to it ----------------------------------------------------------

  public void setStorageConnected(boolean connected) {
    storageConnected = connected;
  }

  public void setNetworkConnected(boolean connected) {
    networkConnected = connected;
  }

  public void setFailStarts(boolean fail) {
    failStarts = fail;
  }

  /** Refuses every incoming live migration from now on (or no more). */
  public void setRefuseMigrations(boolean refuse) {
    refuseMigrations = refuse;
  }

  /** The host dies: every instance is gone. */
  public synchronized void crash() {
    poweredOn = false;
    instances.clear();
    hung.clear();
  }

  /** The host boots again, empty. */
  public synchronized void boot() {
    poweredOn = true;
  }

  /** The watchdog resets the host: it reboots at once, every instance is gone. */
  public synchronized void reset() {
    instances.clear();
  }

  /** Takes an instance out for a migration; null if it is not here. */
  synchronized SimInstance take(InstanceRef instance) {
    return instances.remove(instance);
  }

  /** Receives a migrated instance, or refuses it. */
  synchronized void receive(SimInstance handle) throws DriverException {
    requirePower();
    if (refuseMigrations) {
      throw new DriverException(MIGRATION_FAILURE + " on " + host);
    }
    if (handle.image() != null
        && !reachableRepositories().contains(handle.image().getRepository())) {
      throw new DriverException(
          "repository "
              + handle.image().getRepository()
              + " is not reachable from migration target "
              + host);
    }
    instances.put(handle.instance().ref(), handle);
  }

  /** Puts back an instance whose migration failed. */
  synchronized void restore(SimInstance handle) {
    instances.put(handle.instance().ref(), handle);
  }

  record SimInstance(Instance instance, ImageRef image) {}

  private void put(Instance instance, ImageRef image) {
    instances.put(instance.ref(), new SimInstance(instance, image));
  }

  private SimInstance require(InstanceRef instance) throws DriverException {
    requirePower();
    SimInstance sim = instances.get(instance);
    if (sim == null) {
      throw new DriverException("no instance " + instance + " on host " + host);
    }
    return sim;
  }

  private void requirePower() throws DriverException {
    if (!poweredOn) {
      throw new DriverException("host " + host + " is down");
    }
  }
}
