package io.vmha.agent;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the agent is (the {@code sd_notify} protocol): {@code READY=1} once its
 * heartbeat and fencing run, and {@code WATCHDOG=1} each time the fencing guard feeds the host's
 * watchdog, so a unit with {@code Type=notify} and {@code WatchdogSec=} restarts an agent whose
 * guard stalled. A datagram to the unix socket {@code $NOTIFY_SOCKET}; Java's own channels cannot
 * send one, hence three libc calls. Without the variable (not under systemd) it does nothing.
 */
public final class SystemdNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;

  /** socket(2), sendto(2) and close(2). */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    long sendto(int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength)
        throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** Does nothing: the agent does not run under systemd. */
  public static final SystemdNotifier NONE = new SystemdNotifier(null);

  private final String socket;
  private LibC libc;
  private int fd = -1;
  private boolean failed;

  private SystemdNotifier(String socket) {
    this.socket = socket;
  }

  /** The notifier of {@code $NOTIFY_SOCKET}, or {@link #NONE} without it. */
  public static SystemdNotifier fromEnvironment() {
    return of(System.getenv("NOTIFY_SOCKET"));
  }

  static SystemdNotifier of(String socket) {
    return socket == null || socket.isBlank() ? NONE : new SystemdNotifier(socket);
  }

  public void ready() {
    send("READY=1");
  }

  public void watchdog() {
    send("WATCHDOG=1");
  }

  synchronized void send(String state) {
    if (socket == null || failed) {
      return;
    }
    try {
      if (fd < 0) {
        libc = Native.load("c", LibC.class);
        fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      }
      byte[] message = state.getBytes(StandardCharsets.UTF_8);
      byte[] address = address(socket);
      libc.sendto(fd, message, message.length, 0, address, address.length);
    } catch (LastErrorException | UnsatisfiedLinkError e) {
      failed = true; // told once; systemd then restarts the agent if it expects watchdog pings
      LOG.error("cannot notify systemd at {}: {}", socket, e.getMessage());
    }
  }

  /**
   * A {@code struct sockaddr_un}: the family, then the path; an abstract socket ("@name") starts
   * with a NUL byte and is not NUL-terminated.
   */
  static byte[] address(String socket) {
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    boolean abstractName = socket.startsWith("@");
    if (abstractName) {
      path[0] = 0;
    }
    byte[] address = new byte[2 + path.length + (abstractName ? 0 : 1)];
    address[0] = (byte) AF_UNIX; // sa_family_t, little-endian on the platforms vmha runs on
    address[1] = 0;
    System.arraycopy(path, 0, address, 2, path.length);
    return address;
  }
}
