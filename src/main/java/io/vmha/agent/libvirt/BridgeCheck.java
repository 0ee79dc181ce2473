package io.vmha.agent.libvirt;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.function.BooleanSupplier;

/**
 * The default network check of a {@link LibvirtDriver}: the host bridge the VMs' NICs attach to is
 * up. Without a bridge the VMs have no NIC, so there is no VM network to lose.
 */
final class BridgeCheck implements BooleanSupplier {
  private final String bridge;

  BridgeCheck(String bridge) {
    this.bridge = bridge;
  }

  @Override
  public boolean getAsBoolean() {
    if (bridge == null || bridge.isBlank()) {
      return true;
    }
    try {
      NetworkInterface nic = NetworkInterface.getByName(bridge);
      return nic != null && nic.isUp();
    } catch (SocketException e) {
      return false;
    }
  }
}
