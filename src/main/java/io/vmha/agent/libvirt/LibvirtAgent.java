package io.vmha.agent.libvirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.AgentJournal;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.AgentThreads;
import io.vmha.agent.ClusterView;
import io.vmha.agent.DriverException;
import io.vmha.agent.HostAgent;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.Leases;
import io.vmha.agent.PeerClient;
import io.vmha.agent.PeerServer;
import io.vmha.agent.PeerToken;
import io.vmha.agent.Watchdog;
import io.vmha.api.AgentReport;
import io.vmha.api.VmHost;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
   * restarts ({@code stateDir}: the last heartbeat renewal and the host's peer key; null keeps them
   * in memory only), the domain type ({@code kvm}; {@code qemu} where there is no KVM), how its
   * domains boot ({@link DomainXml.Boot}; null: from their disk) and when a live migration that
   * overran is aborted.
   */
  public record Settings(
      String uri,
      String migrationUri,
      String bridge,
      InformerClusterView.VmWatch vmWatch,
      java.nio.file.Path stateDir,
      String domainType,
      DomainXml.Boot boot,
      MigrationLimits migrationLimits) {
    public Settings(String uri, String migrationUri, String bridge) {
      this(uri, migrationUri, bridge, InformerClusterView.VmWatch.FIELD_SELECTOR);
    }

    public Settings(
        String uri, String migrationUri, String bridge, InformerClusterView.VmWatch vmWatch) {
      this(uri, migrationUri, bridge, vmWatch, null, null, null, MigrationLimits.DEFAULT);
    }

    AgentJournal journal() {
      return stateDir == null
          ? AgentJournal.inMemory()
          : AgentJournal.file(stateDir.resolve("journal.json"));
    }

    /** The key peers know this host's answers by, kept across restarts in the state directory. */
    io.vmha.agent.HostKey hostKey() throws IOException {
      return stateDir == null
          ? io.vmha.agent.HostKey.generate()
          : io.vmha.agent.HostKey.loadOrCreate(stateDir.resolve("peer-key"));
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LibvirtAgent.class);

  private final InformerClusterView view;
  private final RepositoryMounts repositories;
  private final LibvirtDriver driver;
  private final PeerServer peerServer;
  private final ScheduledThreadPoolExecutor executor;
  private final KubernetesClient heartbeatClient;
  private final Watchdog watchdog;
  private final HostAgent agent;
  private final KubernetesClient client;
  private final OverlaySweeper sweeper =
      new OverlaySweeper(OverlaySweeper.qemuImgLock(new InstanceDisks("qemu-img")));

  /**
   * Wires the agent so that its fencing clock runs before anything waits on the API server: libvirt
   * first (a wrong URI fails at once), then the journal and the watchdog, and the informers start
   * in the background. An agent started behind a partition fences from its journal on time instead
   * of dying in informer start-up while its VMs run on.
   */
  private LibvirtAgent(
      KubernetesClient client, AgentOptions options, Peer peer, Settings settings, Watchdog dog)
      throws IOException, DriverException {
    String host = options.host();
    this.watchdog = dog;
    this.client = client;
    executor = new ScheduledThreadPoolExecutor(2, AgentThreads.daemon("agent"));
    executor.setRemoveOnCancelPolicy(true);
    InformerClusterView[] viewRef = new InformerClusterView[1];
    RepositoryMounts[] mountsRef = new RepositoryMounts[1];
    driver =
        LibvirtDriver.builder(settings.uri())
            .migrationUri(settings.migrationUri())
            .domainType(settings.domainType())
            .boot(settings.boot() == null ? DomainXml.Boot.DISK : settings.boot())
            .bridge(settings.bridge())
            .repositories(() -> mountsRef[0].get())
            .migrationUris(target -> migrationUriOf(viewRef[0], target))
            .migrationLimits(settings.migrationLimits())
            .build()
            .connect();
    view = InformerClusterView.forHost(client, options.leaseNamespace(), host, settings.vmWatch());
    viewRef[0] = view;
    repositories = RepositoryMounts.startInBackground(client, host, () -> view.host(host));
    mountsRef[0] = repositories;
    view.startInBackground();
    peerServer =
        PeerServer.start(
            peer.listenAddress(), peer.listenPort(), peer.advertisedAddress(), peer.token());
    heartbeatClient = Leases.deadlineClient(client, options.renewalDeadline());
    agent =
        HostAgent.builder(options)
            .client(client)
            .heartbeatClient(heartbeatClient)
            .view(view, () -> view.isSynced() && repositories.isSynced())
            .driver(driver)
            .clock(Clock.systemUTC())
            .executor(executor)
            .peerServer(peerServer)
            .hostKey(settings.hostKey())
            .peerClient(new PeerClient(peer.token(), options.peerTimeout()))
            .journal(settings.journal())
            .watchdog(dog)
            .build();
  }

  /** Connects to libvirt, starts the informers and the agent loop. */
  public static LibvirtAgent start(
      KubernetesClient client, AgentOptions options, Peer peer, Settings settings)
      throws IOException, DriverException {
    return start(client, options, peer, settings, Watchdog.NONE);
  }

  /** The same, feeding {@code watchdog} while the host may keep its instances. */
  public static LibvirtAgent start(
      KubernetesClient client,
      AgentOptions options,
      Peer peer,
      Settings settings,
      Watchdog watchdog)
      throws IOException, DriverException {
    LibvirtAgent process = new LibvirtAgent(client, options, peer, settings, watchdog);
    process.agent.start();
    process.executor.scheduleWithFixedDelay(
        process::sweepOverlays, 1, 10, java.util.concurrent.TimeUnit.MINUTES);
    return process;
  }

  public HostAgent agent() {
    return agent;
  }

  /**
   * Deletes the overlays of template instances no VM and no host names any more, from the
   * repositories this host tends: its local ones, and the shared ones while it is the SPM (one host
   * for them all). Every VM is read, not only this host's: a VM waiting for its host (F2) may name
   * no host while its overlay is its only disk. Any doubt (an API read that fails) skips the round.
   */
  private void sweepOverlays() {
    String host = agent.host();
    try {
      io.vmha.api.VmHost self = view.host(host);
      boolean spm =
          self != null
              && self.getStatus() != null
              && Boolean.TRUE.equals(self.getStatus().getSpm());
      List<java.nio.file.Path> tended =
          new java.util.ArrayList<>(repositories.mountsOf(io.vmha.api.RepositoryType.Local));
      if (spm) {
        tended.addAll(repositories.mountsOf(io.vmha.api.RepositoryType.Shared));
      }
      if (!tended.isEmpty()) {
        sweeper.sweep(tended, instancesInUse(), java.time.Instant.now());
      }
    } catch (RuntimeException e) {
      LOG.warn("agent of {}: overlay sweep skipped: {}", host, e.toString());
    }
  }

  /** "namespace/instance" of every instance a VM's status or a host's report names. */
  private java.util.Set<String> instancesInUse() {
    java.util.Set<String> inUse = runningHere();
    client
        .resources(io.vmha.api.VirtualMachine.class)
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(vm -> namedBy(vm, inUse));
    for (io.vmha.api.VmHost host : client.resources(io.vmha.api.VmHost.class).list().getItems()) {
      AgentReport reported = host.getStatus() == null ? null : host.getStatus().getReported();
      if (reported == null || reported.getInstances() == null) {
        continue;
      }
      for (io.vmha.api.InstanceReport instance : reported.getInstances()) {
        if (instance.getVm() != null) {
          inUse.add(DomainXml.namespaceOf(instance.getVm()) + "/" + instance.getName());
        }
      }
    }
    return inUse;
  }

  /** The instances this host's libvirt holds, defined or running. */
  private java.util.Set<String> runningHere() {
    java.util.Set<String> inUse = new java.util.HashSet<>();
    for (io.vmha.agent.Instance instance : vmInstances()) {
      inUse.add(DomainXml.namespaceOf(instance.vmKey()) + "/" + instance.name());
    }
    return inUse;
  }

  private List<io.vmha.agent.Instance> vmInstances() {
    return driver.instances().stream().filter(io.vmha.agent.Instance::hasVm).toList();
  }

  /** Adds the instances {@code vm}'s status names: its own, and stale ones on lost hosts. */
  private static void namedBy(io.vmha.api.VirtualMachine vm, java.util.Set<String> inUse) {
    String namespace = vm.getMetadata().getNamespace();
    io.vmha.api.VirtualMachineStatus status = vm.getStatus();
    if (status == null) {
      return;
    }
    if (status.getInstanceName() != null) {
      inUse.add(namespace + "/" + status.getInstanceName());
    }
    if (status.getStaleInstances() != null) {
      status.getStaleInstances().forEach(s -> inUse.add(namespace + "/" + s.getInstanceName()));
    }
  }

  /** The vmha instances libvirt runs or holds paused here; -1 if libvirt cannot say. */
  private long runningInstances() {
    try {
      return vmInstances().stream()
          .filter(
              i ->
                  i.state() != io.vmha.agent.Instance.State.Stopped
                      && i.state() != io.vmha.agent.Instance.State.Failed)
          .count();
    } catch (RuntimeException e) {
      return -1;
    }
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

  /**
   * Stops the agent and releases everything. Its domains keep running (libvirtd owns them), so a
   * host that still runs VMs keeps its watchdog armed: an agent that is not back within the
   * watchdog's timeout (a stop, not a restart) has its host reset before the operator judges the
   * host lost and starts the VMs elsewhere. Only an empty host (drained) is disarmed.
   */
  @Override
  public void close() {
    agent.close();
    long running = runningInstances();
    if (running == 0) {
      watchdog.close();
    } else {
      LOG.warn(
          "agent of {} stops while {} VM instance(s) run here: the watchdog stays armed and resets"
              + " the host unless an agent opens it again within its timeout (put the host in"
              + " maintenance before stopping its agent)",
          agent.host(),
          running < 0 ? "an unknown number of" : Long.toString(running));
      watchdog.abandon();
    }
    heartbeatClient.close();
    executor.shutdownNow();
    peerServer.close();
    repositories.close();
    view.close();
    driver.close();
  }
}
