package io.vmha.operator;

import io.vmha.api.VirtualMachineStatus;
import io.vmha.core.model.VmStatusView;

/**
 * A VM's status as written in the API, read as the core reads it. The operator plans on it, and
 * whatever watches a fleet from outside (the benchmark's invariant check) reads it the same way, so
 * both mean the same by a recorded host or instance name.
 */
public final class VmStatusViews {
  private VmStatusViews() {}

  /** {@link VmStatusView#NEW} for a VM without a status or a phase yet. */
  public static VmStatusView of(VirtualMachineStatus status) {
    if (status == null || status.getPhase() == null) {
      return VmStatusView.NEW;
    }
    return VmStatusUpdate.recorded(status).view();
  }
}
