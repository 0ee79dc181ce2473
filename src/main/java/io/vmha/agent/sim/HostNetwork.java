package io.vmha.agent.sim;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.Leases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * One simulated host's own paths to the API server and to its peers: a {@link FaultProxy} and the
 * client, informers and heartbeat client that go through it, and its {@link PeerPaths}. Cutting
 * them is a network fault the agent only learns of from refused and reset connections.
 */
record HostNetwork(
    FaultProxy proxy,
    KubernetesClient client,
    KubernetesClient heartbeats,
    InformerClusterView view,
    PeerPaths peers)
    implements AutoCloseable {

  static HostNetwork open(
      KubernetesClient shared, String host, AgentOptions agent, PeerPaths peers) {
    URI master = URI.create(shared.getMasterUrl().toString());
    int port =
        master.getPort() > 0 ? master.getPort() : "https".equals(master.getScheme()) ? 443 : 80;
    FaultProxy proxy;
    try {
      proxy = FaultProxy.start(master.getHost(), port);
    } catch (IOException e) {
      peers.close();
      throw new UncheckedIOException("cannot start the network of simulated host " + host, e);
    }
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(shared.getConfiguration())
                    .withMasterUrl(master.getScheme() + "://127.0.0.1:" + proxy.port())
                    // a healed link is noticed within a second, not after an informer's long
                    // back-off
                    .withWatchReconnectInterval(200)
                    .build())
            .build();
    InformerClusterView view =
        InformerClusterView.forHost(
                client, agent.leaseNamespace(), host, InformerClusterView.VmWatch.ALL)
            .startInBackground();
    return new HostNetwork(
        proxy, client, Leases.deadlineClient(client, agent.renewalDeadline()), view, peers);
  }

  /**
   * The host booted again: its agent's informers start from a fresh list, as a new process's do.
   * The old ones may hold what the host last heard before it was cut off (VMs since placed
   * elsewhere), and an agent reading them would start those again beside their new copies.
   */
  HostNetwork rebooted(String host, AgentOptions agent) {
    view.close();
    InformerClusterView fresh =
        InformerClusterView.forHost(
                client, agent.leaseNamespace(), host, InformerClusterView.VmWatch.ALL)
            .startInBackground();
    return new HostNetwork(proxy, client, heartbeats, fresh, peers);
  }

  /** Cuts the host off the API server (connections refused, open ones reset), or heals it. */
  void cut(boolean off) {
    try {
      proxy.set(off ? FaultProxy.Mode.REFUSE : FaultProxy.Mode.PASS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    view.close();
    heartbeats.close();
    client.close();
    proxy.close();
    peers.close();
  }
}
