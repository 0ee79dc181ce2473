package io.vmha.agent.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on localhost in front of one upstream (an API server, a peer endpoint) that injects
 * the faults a network really has: it passes bytes, refuses connections (nothing listens: the
 * client gets "connection refused" at once), hangs (accepts and forwards nothing, in either
 * direction, on new and open connections alike: a black hole), stalls the connections open now and
 * passes new ones (a middlebox that forgot them without a reset: a long watch goes quiet, neither
 * side learns it), drops (resets every connection, open and new), or delays every chunk. TLS passes
 * through untouched, so a client keeps its certificates and only the network between it and the
 * server is cut.
 */
public final class FaultProxy implements AutoCloseable {

  /** What the network does. */
  public enum Mode {
    PASS,
    REFUSE,
    HANG,
    STALL,
    DROP
  }

  private final InetSocketAddress upstream;
  private final java.net.InetAddress bindAddress;
  private final int port;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
          });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> stalled = ConcurrentHashMap.newKeySet();
  private final Object modeChanged = new Object();
  private volatile Mode mode = Mode.PASS;
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean closed;
  private ServerSocket listener;

  private FaultProxy(InetSocketAddress upstream, java.net.InetAddress bindAddress, int port) {
    this.upstream = upstream;
    this.bindAddress = bindAddress;
    this.port = port;
  }

  /** Listens on a free port of 127.0.0.1 and forwards to {@code host:port}. */
  public static FaultProxy start(String host, int upstreamPort) throws IOException {
    return start(java.net.InetAddress.getLoopbackAddress(), host, upstreamPort);
  }

  /**
   * Listens on a free port of {@code bindAddress} (for clients in another network namespace, e.g. a
   * bridge address) and forwards to {@code host:port}.
   */
  public static FaultProxy start(java.net.InetAddress bindAddress, String host, int upstreamPort)
      throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 50, bindAddress)) {
      port = probe.getLocalPort();
    }
    FaultProxy proxy = new FaultProxy(new InetSocketAddress(host, upstreamPort), bindAddress, port);
    proxy.listen();
    return proxy;
  }

  public int port() {
    return port;
  }

  public Mode mode() {
    return mode;
  }

  /** Changes what the network does, for open connections too. */
  public synchronized void set(Mode next) throws IOException {
    Mode before = mode;
    stalled.clear();
    if (next == Mode.STALL) {
      stalled.addAll(open);
    }
    mode = next;
    synchronized (modeChanged) {
      modeChanged.notifyAll();
    }
    if (next == Mode.REFUSE || next == Mode.DROP) {
      open.forEach(FaultProxy::reset);
    }
    if (next == Mode.REFUSE && listener != null) {
      listener.close();
      listener = null;
    } else if (before == Mode.REFUSE && next != Mode.REFUSE) {
      listen();
    }
  }

  /** Delays every chunk forwarded by this much (zero: none). */
  public void delay(Duration each) {
    delay = each;
  }

  private void listen() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(bindAddress, port), 256);
    listener = socket;
    threads.execute(() -> accept(socket));
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        if (mode == Mode.DROP) {
          reset(client);
          continue;
        }
        open.add(client);
        threads.execute(() -> connect(client));
      } catch (IOException e) {
        return; // closed: refusing, or the proxy ends
      }
    }
  }

  private void connect(Socket client) {
    Socket server = new Socket();
    try {
      awaitNotHanging();
      server.connect(upstream, 5_000);
      open.add(server);
      threads.execute(() -> pump(client, server));
      pump(server, client);
    } catch (IOException | InterruptedException e) {
      reset(client);
      reset(server);
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitNotHanging();
        awaitNotStalled(from);
        if (mode != Mode.PASS && mode != Mode.STALL) {
          break;
        }
        long pause = delay.toMillis();
        if (pause > 0) {
          Thread.sleep(pause);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // a reset, or the other side went away
    } finally {
      reset(from);
      reset(to);
    }
  }

  /** While hanging, bytes sit where they are: neither forwarded nor refused. */
  private void awaitNotHanging() throws InterruptedException {
    synchronized (modeChanged) {
      while (mode == Mode.HANG && !closed) {
        modeChanged.wait(100);
      }
    }
  }

  /** A stalled connection's bytes sit where they are until the mode changes. */
  private void awaitNotStalled(Socket from) throws InterruptedException {
    synchronized (modeChanged) {
      while (stalled.contains(from) && !closed) {
        modeChanged.wait(100);
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0); // RST, as a dropped link looks to the peer
    } catch (SocketException e) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    synchronized (modeChanged) {
      modeChanged.notifyAll();
    }
    try {
      if (listener != null) {
        listener.close();
      }
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(FaultProxy::reset);
    threads.shutdownNow();
  }
}
