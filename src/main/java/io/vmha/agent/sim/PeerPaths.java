package io.vmha.agent.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * One simulated host's own paths to and from its peers, though all hosts share one peer server: a
 * {@link FaultProxy} in front of that server which is the only way peers reach this host, and one
 * proxy of its own for each peer it asks (made on its first question). Cutting them refuses this
 * host's connections in both directions, so {@code isolated} is a network fault on the peer path
 * too and the agent only learns of it from failed connections.
 */
final class PeerPaths implements AutoCloseable {
  private final String host;
  private final FaultProxy inbound;

  /** By the peer's {@code address:port}: its endpoints share one path from this host. */
  private final Map<String, FaultProxy> egress = new HashMap<>();

  private boolean cut;
  private boolean closed;

  private PeerPaths(String host, FaultProxy inbound) {
    this.host = host;
    this.inbound = inbound;
  }

  /** Paths for {@code host}, whose peers' questions reach the peer server at that address. */
  static PeerPaths open(String host, String serverAddress, int serverPort) {
    try {
      InetAddress bound = InetAddress.getByName(serverAddress);
      String upstream = bound.isAnyLocalAddress() ? "127.0.0.1" : serverAddress;
      return new PeerPaths(host, FaultProxy.start(upstream, serverPort));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the peer network of simulated host " + host, e);
    }
  }

  /** The endpoint this host reports: peers reach it through its inbound proxy only. */
  String endpoint() {
    return "http://127.0.0.1:" + inbound.port() + "/hosts/" + host;
  }

  /** {@code endpoint}, a peer's, as this host reaches it: through its own proxy to that peer. */
  synchronized String route(String endpoint) {
    if (closed) {
      throw new UncheckedIOException(new IOException("simulated host " + host + " is gone"));
    }
    URI peer = URI.create(endpoint);
    String address = peer.getHost() + ":" + peer.getPort();
    FaultProxy proxy = egress.get(address);
    if (proxy == null) {
      try {
        proxy = FaultProxy.start(peer.getHost(), peer.getPort());
        egress.put(address, proxy);
        if (cut) {
          proxy.set(FaultProxy.Mode.REFUSE);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return "http://127.0.0.1:" + proxy.port() + peer.getRawPath();
  }

  /** Refuses every connection to and from this host's peers (open ones reset), or heals them. */
  synchronized void cut(boolean off) {
    cut = off;
    FaultProxy.Mode mode = off ? FaultProxy.Mode.REFUSE : FaultProxy.Mode.PASS;
    try {
      inbound.set(mode);
      for (FaultProxy proxy : egress.values()) {
        proxy.set(mode);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the path to a peer that left the simulation, if this host asked it. */
  synchronized void forget(String peerEndpoint) {
    URI peer = URI.create(peerEndpoint);
    FaultProxy proxy = egress.remove(peer.getHost() + ":" + peer.getPort());
    if (proxy != null) {
      proxy.close();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    egress.values().forEach(FaultProxy::close);
    egress.clear();
    inbound.close();
  }
}
