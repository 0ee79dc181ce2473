package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog device protocol, on a FIFO standing in for {@code /dev/watchdog}: every feed is a
 * write, an orderly close writes the magic {@code V} that disarms it, and a device that takes no
 * timeout ioctl is still used (its timeout is then unknown).
 */
class DeviceWatchdogTest {

  @Test
  void feedsByWritingAndDisarmsWithTheMagicClose(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("watchdog");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    CompletableFuture<String> written =
        CompletableFuture.supplyAsync(
            () -> {
              try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                StringBuilder seen = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) { // a FIFO cannot seek: byte by byte until closed
                  seen.append((char) b);
                }
                return seen.toString();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    DeviceWatchdog watchdog = DeviceWatchdog.open(fifo, Duration.ofSeconds(3));
    assertThat(watchdog.timeout()).isEmpty(); // a FIFO takes no ioctl
    watchdog.feed();
    watchdog.feed();
    watchdog.close();
    watchdog.feed(); // after the magic close nothing more is written
    assertThat(written.get(10, TimeUnit.SECONDS)).isEqualTo("111V");
  }

  @Test
  void aMissingDeviceIsAnError(@TempDir Path dir) {
    Path missing = dir.resolve("none");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> DeviceWatchdog.open(missing, Duration.ofSeconds(3)))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining(missing.toString());
  }
}
