package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sd_notify protocol, against a datagram socket bound the way systemd binds its own. */
class SystemdNotifierTest {

  @Test
  void tellsSystemdItIsReadyAndAliveThroughTheWatchdog(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("notify");
    Process listener;
    try {
      listener =
          new ProcessBuilder(
                  "python3",
                  "-c",
                  "import socket,sys\n"
                      + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
                      + "s.bind(sys.argv[1]); s.settimeout(10)\n"
                      + "print('bound',flush=True)\n"
                      + "for _ in range(3): print(s.recv(64).decode(),flush=True)\n",
                  socket.toString())
              .redirectErrorStream(true)
              .start();
    } catch (java.io.IOException e) {
      Assumptions.abort("python3 is needed to play systemd's notify socket: " + e.getMessage());
      return;
    }
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("bound");
      assertThat(Files.exists(socket)).isTrue();
      SystemdNotifier systemd = SystemdNotifier.of(socket.toString());
      systemd.ready();
      Watchdog watchdog = FenceTest.countingWatchdog().alsoTelling(systemd);
      watchdog.feed();
      watchdog.feed();
      assertThat(out.readLine()).isEqualTo("READY=1");
      assertThat(out.readLine()).isEqualTo("WATCHDOG=1");
      assertThat(out.readLine()).isEqualTo("WATCHDOG=1");
    } finally {
      listener.destroy();
      listener.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void outsideSystemdItDoesNothing() {
    SystemdNotifier.of(null).ready(); // no socket, no error
    assertThat(SystemdNotifier.of("")).isSameAs(SystemdNotifier.NONE);
  }

  @Test
  void anAbstractSocketNameStartsWithANulByte() {
    byte[] address = SystemdNotifier.address("@systemd/notify");
    assertThat(address[0]).isEqualTo((byte) 1);
    assertThat(address[2]).isZero();
    assertThat(address).hasSize(2 + "@systemd/notify".length());
    assertThat(SystemdNotifier.address("/run/systemd/notify")).hasSize(2 + 19 + 1);
  }
}
