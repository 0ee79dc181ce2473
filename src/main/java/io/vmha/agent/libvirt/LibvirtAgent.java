package io.vmha.agent.libvirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.AgentJournal;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.ApiLink;
import io.vmha.agent.ClusterView;
import io.vmha.agent.DriverException;
import io.vmha.agent.HostAgent;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.PeerClient;
import io.vmha.agent.PeerServer;
import io.vmha.agent.PeerToken;
import io.vmha.api.AgentReport;
import io.vmha.api.VmHost;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real host agent with the libvirt driver: what {@code vmha agent --driver libvirt} runs. It
 * wires the agent's informers, a StorageRepository informer (the mount paths), the peer endpoint
 * and the {@link LibvirtDriver}, whose lookups read the informers' caches.
 */
public final class LibvirtAgent implements AutoCloseable {
  /** Where the peer endpoint listens and what it advertises. */
  public record Peer(
      PeerToken token, String listenAddress, int listenPort, String advertisedAddress) {}

  /**
   * libvirt settings of {@code vmha agent}, how it watches its VMs, and where it keeps state across
   * restarts ({@code stateDir}: the last heartbeat renewal; null keeps it in memory only).
   */
  public record Settings(
      String uri,
      String migrationUri,
      String bridge,
      InformerClusterView.VmWatch vmWatch,
      java.nio.file.Path stateDir) {
    public Settings(String uri, String migrationUri, String bridge) {
      this(uri, migrationUri, bridge, InformerClusterView.VmWatch.FIELD_SELECTOR, null);
    }

    public Settings(
        String uri, String migrationUri, String bridge, InformerClusterView.VmWatch vmWatch) {
      this(uri, migrationUri, bridge, vmWatch, null);
    }

    AgentJournal journal() {
      return stateDir == null
          ? AgentJournal.inMemory()
          : AgentJournal.file(stateDir.resolve("journal.json"));
    }
  }

  private InformerClusterView view; // assigned after the driver connected
  private RepositoryMounts repositories;
  private final LibvirtDriver driver;
  private final PeerServer peerServer;
  private final ScheduledThreadPoolExecutor executor;
  private final HostAgent agent;

  private LibvirtAgent(KubernetesClient client, AgentOptions options, Peer peer, Settings settings)
      throws IOException, DriverException {
    String host = options.host();
    AtomicInteger threads = new AtomicInteger();
    executor =
        new ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "vmha-agent-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    // libvirt first: a wrong URI or a missing libvirt0 fails at once, before any informer starts
    driver =
        LibvirtDriver.builder(settings.uri())
            .migrationUri(settings.migrationUri())
            .bridge(settings.bridge())
            .repositories(() -> this.repositories.get())
            .migrationUris(target -> migrationUriOf(this.view, target))
            .build()
            .connect();
    view =
        InformerClusterView.forHost(client, options.leaseNamespace(), host, settings.vmWatch())
            .start();
    repositories = RepositoryMounts.start(client, host, () -> view.host(host));
    peerServer =
        PeerServer.start(
            peer.listenAddress(), peer.listenPort(), peer.advertisedAddress(), peer.token());
    PeerClient peerClient = new PeerClient(peer.token(), options.peerTimeout());
    agent =
        new HostAgent(
            options,
            client,
            view,
            driver,
            Clock.systemUTC(),
            executor,
            peerServer,
            peerClient,
            ApiLink.ALWAYS_UP,
            settings.journal());
  }

  /** Connects to libvirt, starts the informers and the agent loop. */
  public static LibvirtAgent start(
      KubernetesClient client, AgentOptions options, Peer peer, Settings settings)
      throws IOException, DriverException {
    LibvirtAgent process = new LibvirtAgent(client, options, peer, settings);
    process.agent.start();
    return process;
  }

  public HostAgent agent() {
    return agent;
  }

  public LibvirtDriver driver() {
    return driver;
  }

  /**
   * The target host's {@code status.reported.migrationUri}, from the informer cache; null if
   * unknown.
   */
  static String migrationUriOf(ClusterView view, String host) {
    VmHost target = view.host(host);
    AgentReport reported =
        target == null || target.getStatus() == null ? null : target.getStatus().getReported();
    return reported == null ? null : reported.getMigrationUri();
  }

  /** Stops the agent (its domains keep running: libvirtd owns them) and releases everything. */
  @Override
  public void close() {
    agent.close();
    executor.shutdownNow();
    peerServer.close();
    repositories.close();
    view.close();
    driver.close();
  }
}
