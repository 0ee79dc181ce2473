package io.vmha.agent;

import io.vmha.api.Resources;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import java.time.Instant;

/**
 * An instance (a hypervisor domain) as the driver sees it.
 *
 * @param name domain name, the VM's instance name
 * @param vmKey the VirtualMachine as {@code namespace/name}, or null for a domain vmha did not
 *     start
 * @param state its state
 * @param reason why it is in this state (a pause's {@code StorageLost}, a start error), or null
 * @param resources cpus and memory it was started with
 * @param since when it entered this state (agent clock)
 */
public record Instance(
    String name, String vmKey, State state, String reason, Resources resources, Instant since) {

  /** Instance states, as reported in {@code InstanceReport.state}. */
  public enum State {
    Starting,
    Running,
    Paused,
    Stopped,
    Failed
  }

  /** Whether vmha started it for a VM (other domains on the host have no VM key). */
  public boolean hasVm() {
    return vmKey != null && !vmKey.isEmpty();
  }

  /**
   * The instance as the core reads a host's report of it (a domain vmha did not start has the empty
   * VM key), for whatever judges a fleet from what its hypervisors hold.
   */
  public InstanceReport report() {
    return new InstanceReport(
        name, hasVm() ? vmKey : "", InstanceState.valueOf(state.name()), taken(), reason);
  }

  /** What the instance takes of its host; nothing when it was started without a size. */
  private io.vmha.core.model.Resources taken() {
    if (resources == null) {
      return io.vmha.core.model.Resources.ZERO;
    }
    Integer cpus = resources.getCpus();
    Long memory = resources.getMemoryMiB();
    return io.vmha.core.model.Resources.of(
        cpus == null ? 0 : 1000L * cpus, memory == null ? 0 : memory);
  }

  public InstanceRef ref() {
    return new InstanceRef(vmKey, name);
  }

  public Instance withState(State newState, String newReason, Instant at) {
    return new Instance(name, vmKey, newState, newReason, resources, at);
  }
}
