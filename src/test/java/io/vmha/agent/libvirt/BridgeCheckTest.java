package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM network check reads the bridge's uplinks, not the bridge: a guest's tap keeps the bridge
 * running after the uplink lost its carrier. The interfaces are laid out as the kernel lists them
 * under /sys/class/net.
 */
class BridgeCheckTest {
  @TempDir Path net;

  @Test
  void connectedWhileAnUplinkHasCarrier() throws IOException {
    bridge("vmbr0", "0x1003", "uplink0", "vnet0");
    port("uplink0", "1", false);
    port("vnet0", "1", true);
    assertThat(new BridgeCheck("vmbr0", net).getAsBoolean()).isTrue();
  }

  @Test
  void anUplinkWithoutCarrierIsALostNetworkThoughAGuestsTapKeepsTheBridgeRunning()
      throws IOException {
    bridge("vmbr0", "0x1003", "uplink0", "vnet0");
    port("uplink0", "0", false);
    port("vnet0", "1", true);
    assertThat(new BridgeCheck("vmbr0", net).getAsBoolean()).isFalse();
  }

  @Test
  void oneOfTwoUplinksIsEnough() throws IOException {
    bridge("vmbr0", "0x1003", "eno1", "eno2");
    port("eno1", "0", false);
    port("eno2", "1", false);
    assertThat(new BridgeCheck("vmbr0", net).getAsBoolean()).isTrue();
  }

  @Test
  void aBridgeThatIsDownOrMissingIsALostNetwork() throws IOException {
    bridge("vmbr0", "0x1002", "uplink0");
    port("uplink0", "1", false);
    assertThat(new BridgeCheck("vmbr0", net).getAsBoolean()).isFalse();
    assertThat(new BridgeCheck("vmbr1", net).getAsBoolean()).isFalse();
  }

  @Test
  void aBridgeWithoutUplinksIsAHostInternalNetworkConnectedWhileUp() throws IOException {
    bridge("internal0", "0x1003", "vnet3");
    port("vnet3", "1", true);
    assertThat(new BridgeCheck("internal0", net).getAsBoolean()).isTrue();
  }

  @Test
  void withoutABridgeThereIsNoVmNetworkToLose() {
    assertThat(new BridgeCheck(null, net).getAsBoolean()).isTrue();
  }

  private void bridge(String name, String flags, String... ports) throws IOException {
    Path dir = Files.createDirectories(net.resolve(name).resolve("brif"));
    Files.writeString(net.resolve(name).resolve("flags"), flags + "\n");
    for (String port : ports) {
      Files.createDirectories(dir.resolve(port));
    }
  }

  private void port(String name, String carrier, boolean tap) throws IOException {
    Path dir = Files.createDirectories(net.resolve(name));
    Files.writeString(dir.resolve("carrier"), carrier + "\n");
    if (tap) {
      Files.writeString(dir.resolve("tun_flags"), "0x1002\n");
    }
  }
}
