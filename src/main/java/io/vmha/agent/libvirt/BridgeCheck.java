package io.vmha.agent.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The default network check of a {@link LibvirtDriver}: the VM network is connected while the host
 * bridge the VMs' NICs attach to is up and one of its uplinks has a carrier. The bridge's own state
 * says nothing once guests run: their tap ports keep it "running" after the physical NIC lost its
 * cable or its switch port. So the uplinks are the bridge's ports that are not taps (a tap has
 * {@code tun_flags} in sysfs); a bridge without any uplink is a host-internal network, connected
 * while it is up. Without a bridge the VMs have no NIC, so there is no VM network to lose.
 */
final class BridgeCheck implements BooleanSupplier {
  private static final int IFF_UP = 0x1;

  private final String bridge;
  private final Path interfaces;

  BridgeCheck(String bridge) {
    this(bridge, Path.of("/sys/class/net"));
  }

  /** {@code interfaces}: where the kernel lists the network namespace's interfaces. */
  BridgeCheck(String bridge, Path interfaces) {
    this.bridge = bridge;
    this.interfaces = interfaces;
  }

  @Override
  public boolean getAsBoolean() {
    if (bridge == null || bridge.isBlank()) {
      return true;
    }
    Path dir = interfaces.resolve(bridge);
    if (!Files.isDirectory(dir) || !adminUp(dir)) {
      return false;
    }
    List<Path> uplinks = ports(dir).stream().filter(port -> !isTap(port)).toList();
    return uplinks.isEmpty() || uplinks.stream().anyMatch(BridgeCheck::hasCarrier);
  }

  private List<Path> ports(Path bridgeDir) {
    try (Stream<Path> ports = Files.list(bridgeDir.resolve("brif"))) {
      return ports.map(port -> interfaces.resolve(port.getFileName().toString())).toList();
    } catch (IOException e) {
      return List.of(); // not a bridge: its own state is all there is
    }
  }

  private static boolean isTap(Path port) {
    return Files.exists(port.resolve("tun_flags"));
  }

  private static boolean adminUp(Path dir) {
    try {
      String flags = Files.readString(dir.resolve("flags")).strip();
      return (Integer.decode(flags) & IFF_UP) != 0;
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }

  /** The kernel refuses to read {@code carrier} of an interface that is down: no carrier. */
  private static boolean hasCarrier(Path port) {
    try {
      return "1".equals(Files.readString(port.resolve("carrier")).strip());
    } catch (IOException e) {
      return false;
    }
  }
}
