package io.vmha.agent;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux watchdog device ({@code /dev/watchdog}: softdog or a hardware one). Opening it arms it;
 * each write feeds it; writing {@code V} and closing disarms it. Its timeout is set with {@code
 * WDIOC_SETTIMEOUT} where the driver allows it, and read back; a device that takes no ioctl (a FIFO
 * a test serves) keeps whatever timeout its other end applies.
 */
public final class DeviceWatchdog implements Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceWatchdog.class);
  private static final int O_WRONLY = 1;
  private static final int O_CLOEXEC = 0x80000;
  // _IOWR('W', 6, int) and _IOR('W', 7, int) from linux/watchdog.h
  private static final long WDIOC_SETTIMEOUT = 0xC0045706L;
  private static final long WDIOC_GETTIMEOUT = 0x80045707L;
  private static final byte[] FEED = {'1'};
  private static final byte[] MAGIC_CLOSE = {'V'};

  /** The few libc calls a watchdog needs; Java's streams cannot issue an ioctl. */
  interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int ioctl(int fd, NativeLong request, IntByReference argument) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private final Path device;
  private final LibC libc;
  private final int fd;
  private final Duration timeout;
  private boolean closed;
  private long feedFailures;

  private DeviceWatchdog(Path device, LibC libc, int fd, Duration timeout) {
    this.device = device;
    this.libc = libc;
    this.fd = fd;
    this.timeout = timeout;
  }

  /**
   * Opens (and so arms) the device, asking for {@code wanted} as its timeout.
   *
   * @throws IOException if the device cannot be opened
   */
  public static DeviceWatchdog open(Path device, Duration wanted) throws IOException {
    LibC libc = Native.load("c", LibC.class);
    int fd;
    try {
      fd = libc.open(device.toString(), O_WRONLY | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException(
          "cannot open the watchdog device " + device + ": errno " + e.getErrorCode(), e);
    }
    Duration timeout = null;
    try {
      IntByReference seconds = new IntByReference((int) Math.max(1, wanted.toSeconds()));
      libc.ioctl(fd, new NativeLong(WDIOC_SETTIMEOUT), seconds);
      IntByReference actual = new IntByReference();
      libc.ioctl(fd, new NativeLong(WDIOC_GETTIMEOUT), actual);
      timeout = Duration.ofSeconds(actual.getValue());
    } catch (LastErrorException e) {
      LOG.warn(
          "watchdog {} takes no timeout ioctl (errno {}): make sure its own timeout is at most {}",
          device,
          e.getErrorCode(),
          wanted);
    }
    DeviceWatchdog watchdog = new DeviceWatchdog(device, libc, fd, timeout);
    watchdog.feed();
    return watchdog;
  }

  @Override
  public synchronized void feed() {
    if (closed) {
      return;
    }
    try {
      libc.write(fd, FEED, new NativeLong(1));
      feedFailures = 0;
    } catch (LastErrorException e) {
      if (feedFailures++ == 0) {
        LOG.error("cannot feed the watchdog {}: errno {}", device, e.getErrorCode());
      }
    }
  }

  @Override
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public String describe() {
    return device + (timeout == null ? " (timeout unknown)" : " (timeout " + timeout + ")");
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    try {
      libc.write(fd, MAGIC_CLOSE, new NativeLong(1));
    } catch (LastErrorException e) {
      LOG.warn("could not disarm the watchdog {}: errno {}", device, e.getErrorCode());
    }
    abandon();
  }

  @Override
  public synchronized void abandon() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      libc.close(fd);
    } catch (LastErrorException e) {
      // closing is best effort: the process ends soon after
    }
  }
}
