package io.vmha.agent;

import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.util.List;
import java.util.Set;

/**
 * What the host agent needs from a hypervisor, shaped after libvirt: a domain per instance, named
 * after the instance and its namespace, and a storage pool per repository. Commands name an
 * instance by {@link InstanceRef}: its name and its VM, since names are unique per namespace only.
 * Implementations must be safe to call from one agent thread at a time plus {@link #instances()}
 * from anywhere.
 *
 * <p>Every command is idempotent where libvirt's is: stopping an instance that is not there, or
 * resuming one that is running, does nothing.
 */
public interface HypervisorDriver {

  /** Short name reported in {@code status.reported.driver}: {@code simulated}, {@code libvirt}. */
  String name();

  /**
   * Defines and boots an instance.
   *
   * @param instance the VM's {@code status.instanceName} and the VM, as {@code namespace/name}
   * @param resources cpus and memory to give it
   * @param image the disk image: repository (a storage pool) and path inside it
   * @throws DriverException if it cannot start; the message becomes the reported failure reason
   */
  void start(InstanceRef instance, Resources resources, ImageRef image) throws DriverException;

  /**
   * Whether the guest agent inside {@code instance} answers a ping now; empty where this hypervisor
   * cannot ask (no such channel, the simulation) or the instance is not there.
   */
  default java.util.Optional<Boolean> guestAgentAnswers(InstanceRef instance) {
    return java.util.Optional.empty();
  }

  /** Whether this hypervisor can ask guest agents at all ({@link #guestAgentAnswers}). */
  default boolean reachesGuestAgents() {
    return false;
  }

  /**
   * Starts an instance of a template: every instance of a template shares the template's image, so
   * each must boot from a disk of its own over it (a copy-on-write overlay) and never write the
   * image itself. Drivers without real disks start it as {@link #start}.
   */
  default void startFromTemplate(InstanceRef instance, Resources resources, ImageRef templateImage)
      throws DriverException {
    start(instance, resources, templateImage);
  }

  /** Suspends a running instance, keeping its memory (libvirt {@code virDomainSuspend}). */
  void pause(InstanceRef instance, String reason) throws DriverException;

  /** Resumes a paused instance. */
  void resume(InstanceRef instance) throws DriverException;

  /**
   * Resets a running instance in place, as a reset button would (libvirt {@code virDomainReset}):
   * the guest reboots, keeps its name, host and disks. VM monitoring (M1) asks it of a hung guest.
   */
  default void reset(InstanceRef instance) throws DriverException {
    throw new DriverException(name() + " cannot reset a guest in place");
  }

  /** Stops an instance at once and removes its definition (destroy + undefine). */
  void stop(InstanceRef instance) throws DriverException;

  /**
   * Live-migrates a running or paused instance to another host; it keeps its name and state. On
   * return the instance runs on the target and no longer here.
   */
  void migrate(InstanceRef instance, String targetHost) throws DriverException;

  /**
   * Cancels a live migration of the instance still in flight: its {@link #migrate} call then fails
   * and the instance stays here. Nothing happens if none is in flight or it has gone too far to be
   * cancelled. The default does nothing: a driver whose migrations cannot be cancelled.
   */
  default void abortMigration(InstanceRef instance) throws DriverException {}

  /**
   * Every instance defined on the hypervisor, including ones vmha did not start.
   *
   * @throws HypervisorUnavailable when the hypervisor cannot be asked or does not answer in time
   */
  List<Instance> instances();

  /** The host reaches its storage network. */
  boolean storageConnected();

  /** The host's VM network is up. */
  boolean networkConnected();

  /** StorageRepositories (storage pools) the host can read and write now. */
  Set<String> reachableRepositories();

  /**
   * URI other hosts' hypervisors live-migrate to, reported as {@code status.reported.migrationUri}.
   */
  String migrationUri();
}
