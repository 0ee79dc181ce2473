package io.vmha.operator;

import io.vmha.api.VmHost;
import io.vmha.power.PowerController;

/** Finds the power control of a host from its {@code spec.powerManagement}. */
public interface BmcDirectory {

  /**
   * @throws Unusable when the host's power management cannot be used as configured (its Secret is
   *     missing or unreadable, a key is missing), with what to fix
   */
  PowerController open(VmHost host) throws Unusable;

  final class Unusable extends Exception {
    Unusable(String message) {
      super(message);
    }
  }
}
