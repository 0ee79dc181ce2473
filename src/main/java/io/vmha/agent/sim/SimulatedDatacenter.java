package io.vmha.agent.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.agent.AgentJournal;
import io.vmha.agent.HostAgent;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.Instance;
import io.vmha.agent.Leases;
import io.vmha.agent.PeerClient;
import io.vmha.agent.PeerServer;
import io.vmha.api.StorageRepository;
import io.vmha.api.VmHost;
import io.vmha.kube.AddOrUpdate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many simulated hypervisor hosts in one process, each with its own {@link HostAgent}, sharing one
 * Kubernetes client, one set of informers, one thread pool and one peer server: the demo and the
 * benchmark run hundreds of hosts in one JVM with it.
 *
 * <p>It also plays what lives outside the agent: the hypervisors ({@link SimulatedDriver}), the
 * guest agents inside the VMs (they renew {@code vmha-guest-<vm>} for running instances of VMs with
 * a guest agent, even while the host's agent is down: F3), the hosts' watchdogs, and the faults,
 * which it reads from the annotation {@code sim.vmha.io/fault} of each VmHost with one watch over
 * all of them (a dead agent could not read its own).
 *
 * <p>This class keeps the hosts, their agents, faults and watchdogs; the guest agents are {@link
 * SimulatedGuestAgents}, what the hypervisors share is {@link ClusterRepositoryCatalog} (storage)
 * and {@link SimulatedMigrator} (live migration), and the agents' threads are {@link
 * SimulationThreads}.
 *
 * <pre>{@code
 * SimulatedDatacenter dc = new SimulatedDatacenter(client, SimulationOptions.defaults("vmha-system")).start();
 * dc.addHost("host-1");             // the VmHost object is the caller's (kubectl, demo)
 * dc.annotateFaults("host-1", EnumSet.of(Fault.HOST_CRASH));   // or kubectl annotate
 * dc.close();
 * }</pre>
 */
public final class SimulatedDatacenter implements AutoCloseable {
  /**
   * Annotation on a VmHost: {@code off} disables its watchdog (an agent death then stops nothing).
   */
  public static final String WATCHDOG_ANNOTATION = "sim.vmha.io/watchdog";

  /** The "boot" of every simulated host's monotonic clock: the process's. */
  private static final String SIMULATION_BOOT = "simulation";

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedDatacenter.class);

  private final KubernetesClient client;
  private final SimulationOptions options;
  private final SimulationThreads threads;
  private final KubernetesClient heartbeatClient;
  private final io.vmha.agent.Ticker ticker;
  private final InformerClusterView view;
  private final SharedIndexInformer<VmHost> hostInformer;
  private final SharedIndexInformer<StorageRepository> repositoryInformer;
  private final Map<String, SimHost> hosts = new ConcurrentHashMap<>();
  private final ClusterRepositoryCatalog repositories;
  private final SimulatedMigrator migrator;
  private final SimulatedGuestAgents guestAgents;
  private PeerServer peerServer;
  private PeerClient peerClient;
  private volatile boolean networkPerHost;
  private volatile HostClients hostClients;
  private volatile boolean cachesInBackground;
  private ScheduledFuture<?> guestLoop;

  public SimulatedDatacenter(KubernetesClient client, SimulationOptions options) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    this.threads = new SimulationThreads(options.threads());
    this.heartbeatClient = Leases.deadlineClient(client, options.agent().renewalDeadline());
    this.ticker = io.vmha.agent.Ticker.following(options.clock());
    this.view = InformerClusterView.shared(client, options.agent().leaseNamespace());
    this.hostInformer = client.resources(VmHost.class).runnableInformer(0);
    this.repositoryInformer = client.resources(StorageRepository.class).runnableInformer(0);
    this.repositories = new ClusterRepositoryCatalog(hostInformer, repositoryInformer);
    this.migrator = new SimulatedMigrator(this::driver, hostInformer);
    this.guestAgents = new SimulatedGuestAgents(client, view, options, hosts.values());
  }

  /** Starts the informers, the peer server and the guest agents; returns when caches are synced. */
  public SimulatedDatacenter start() {
    startServing();
    try {
      hostInformer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      repositoryInformer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("the simulation's informers did not sync", e);
    }
    view.start();
    startGuestAgents();
    return this;
  }

  /**
   * The same without waiting for the API server, as {@code vmha agent --driver simulated} starts:
   * an agent started behind a partition runs its heartbeat and fencing guard at once, while the
   * informers keep trying in the background (the hosts' work loops wait until they have synced).
   */
  public SimulatedDatacenter startInBackground() {
    startServing();
    hostInformer.exceptionHandler((started, error) -> true).start();
    repositoryInformer.exceptionHandler((started, error) -> true).start();
    view.startInBackground();
    cachesInBackground = true;
    startGuestAgents();
    return this;
  }

  private void startServing() {
    try {
      peerServer =
          PeerServer.start(
              options.bindAddress(), options.port(), options.advertisedAddress(), options.token());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the peer server", e);
    }
    peerClient =
        new PeerClient(options.token(), options.agent().peerTimeout(), threads.peerAnswers);
    migrator.reachOtherProcesses(
        new PeerMigrations(options.token(), java.time.Duration.ofSeconds(10)));
    hostInformer.addEventHandler(AddOrUpdate.<VmHost>handler(this::annotationsChanged));
  }

  private void startGuestAgents() {
    long guestNanos = options.guestHeartbeatInterval().toNanos();
    guestLoop =
        threads.executor.scheduleWithFixedDelay(guestAgents, 0, guestNanos, TimeUnit.NANOSECONDS);
  }

  private boolean cachesSynced() {
    return view.isSynced() && hostInformer.hasSynced() && repositoryInformer.hasSynced();
  }

  /**
   * The agents' reads from the API server ask it to select their VMs by field ({@link
   * InformerClusterView#serverSelectsFields}): for a real kube-apiserver.
   */
  public SimulatedDatacenter serverSelectsFields() {
    view.serverSelectsFields();
    return this;
  }

  /**
   * From now on every host added reaches the API server through a TCP proxy of its own, with its
   * own client, informers and heartbeat client, as a real host does, and its peers through proxies
   * of its own too ({@link PeerPaths}: one in front of the shared peer server that its reported
   * endpoint names, one for each peer it asks). {@code api-partition} cuts its API proxy, {@code
   * isolated} its API and peer proxies (connections refused and open ones reset), instead of
   * telling the agent, so what the demo shows is what a network fault does to the shipped agent.
   * For a handful of hosts (the demo); a benchmark's hundreds share one client, and the two faults
   * are flags of {@link io.vmha.agent.ApiLink} there. Holds for hosts added after {@link #start},
   * which starts the peer server their paths lead to.
   */
  public SimulatedDatacenter networkPerHost() {
    networkPerHost = true;
    return this;
  }

  /**
   * How each simulated host's agent reaches the API server when it has no network of its own: its
   * own clients, e.g. under the host's own identity, so that RBAC, admission and API Priority and
   * Fairness treat its requests as a real host's. Without it every host shares the datacenter's
   * clients.
   */
  public interface HostClients {
    /** For the agent's reads, reports and the SPM Lease. */
    KubernetesClient client(String host);

    /** For its heartbeat renewals: a client with a deadline ({@code Leases.deadlineClient}). */
    KubernetesClient heartbeatClient(String host);
  }

  /**
   * Hosts added from now on reach the API server with these clients; the informers, guest agents
   * and fault annotations stay on the datacenter's client (they are the simulation's, not a
   * host's).
   */
  public SimulatedDatacenter withHostClients(HostClients clients) {
    hostClients = clients;
    return this;
  }

  private KubernetesClient clientOf(SimHost sim) {
    if (sim.network != null) {
      return sim.network.client();
    }
    HostClients own = hostClients;
    return own == null ? client : own.client(sim.name);
  }

  private KubernetesClient heartbeatClientOf(SimHost sim) {
    if (sim.network != null) {
      return sim.network.heartbeats();
    }
    HostClients own = hostClients;
    return own == null ? heartbeatClient : own.heartbeatClient(sim.name);
  }

  // ---- hosts ------------------------------------------------------------------------------------

  /**
   * Powers on a simulated hypervisor for {@code host} and starts its agent (unless the VmHost's
   * annotation says it is crashed or its agent is down). The VmHost object itself is the caller's
   * to create.
   */
  public SimulatedDriver addHost(String host) {
    return addHost(host, io.vmha.agent.Watchdog.NONE);
  }

  /**
   * The same, with a real watchdog device for the host's agent to feed ({@code vmha agent --driver
   * simulated --watchdog-device}: one host per process, whose "reset" is the process's end).
   */
  public SimulatedDriver addHost(String host, io.vmha.agent.Watchdog watchdog) {
    SimHost sim =
        hosts.computeIfAbsent(
            host,
            h ->
                new SimHost(
                    h,
                    new SimulatedDriver(h, options.clock(), repositories, migrator),
                    poweredOn(),
                    watchdog,
                    networkPerHost ? openNetwork(h) : null));
    if (peerServer != null) {
      peerServer.registerReceiver(
          host, handover -> sim.driver.receive(PeerMigrations.read(handover)));
    }
    VmHost current = hostInformer.getStore().getByKey(host);
    if (current != null) {
      annotationsChanged(current);
    }
    synchronized (sim) {
      ensureAgentState(sim);
    }
    return sim.driver;
  }

  private HostNetwork openNetwork(String host) {
    if (peerServer == null) {
      throw new IllegalStateException("start the simulation before adding hosts with a network");
    }
    PeerPaths peers = PeerPaths.open(host, options.bindAddress(), peerServer.port());
    return HostNetwork.open(client, host, options.agent(), peers);
  }

  /** Removes a host from the simulation: its agent dies and its instances vanish. */
  public void removeHost(String host) {
    SimHost sim = hosts.remove(host);
    if (sim != null) {
      synchronized (sim) {
        sim.stopAgent();
        sim.cancelWatchdog();
        sim.driver.crash();
        if (sim.network != null) {
          sim.network.close();
          String gone = sim.network.peers().endpoint();
          hosts.values().stream()
              .filter(peer -> peer.network != null)
              .forEach(peer -> peer.network.peers().forget(gone));
        }
      }
    }
  }

  public Set<String> hosts() {
    return Collections.unmodifiableSet(new TreeSet<>(hosts.keySet()));
  }

  public SimulatedDriver driver(String host) {
    SimHost sim = hosts.get(host);
    return sim == null ? null : sim.driver;
  }

  /** The host's running agent, or null while it is down or crashed. */
  public HostAgent agent(String host) {
    SimHost sim = hosts.get(host);
    return sim == null ? null : sim.agent;
  }

  /** How many times an agent was started for this host (a restart after agent-down counts). */
  public int agentStarts(String host) {
    SimHost sim = hosts.get(host);
    return sim == null ? 0 : sim.agentStarts;
  }

  /** How many times the watchdog reset this host. */
  public int watchdogResets(String host) {
    SimHost sim = hosts.get(host);
    return sim == null ? 0 : sim.watchdogResets;
  }

  /** Every instance of every host, by host name. */
  public Map<String, List<Instance>> instancesByHost() {
    Map<String, List<Instance>> all = new LinkedHashMap<>();
    for (String host : hosts()) {
      all.put(host, driver(host).instances());
    }
    return all;
  }

  /** The hosts where an instance of this name exists now (more than one means a duplicate). */
  public Set<String> whereRuns(String instanceName) {
    Set<String> where = new TreeSet<>();
    hosts.forEach(
        (name, sim) -> {
          if (sim.driver.instances().stream().anyMatch(i -> i.name().equals(instanceName))) {
            where.add(name);
          }
        });
    return where;
  }

  // ---- faults -----------------------------------------------------------------------------------

  public Set<Fault> faults(String host) {
    SimHost sim = hosts.get(host);
    if (sim == null) {
      return Set.of();
    }
    synchronized (sim) {
      return sim.faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(sim.faults);
    }
  }

  /**
   * Sets a host's faults from code. The annotation, when it changes, sets them again; {@link
   * #annotateFaults} is the kubectl way.
   */
  public void setFaults(String host, Set<Fault> faults) {
    SimHost sim = hosts.get(host);
    if (sim == null) {
      throw new IllegalArgumentException("host " + host + " is not in this simulation");
    }
    synchronized (sim) {
      applyFaults(sim, faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults));
    }
  }

  /**
   * Writes the fault annotation on the VmHost, as {@code kubectl annotate} would; empty removes it.
   */
  public void annotateFaults(String host, Set<Fault> faults) {
    Map<String, Object> annotations = new HashMap<>();
    annotations.put(Fault.ANNOTATION, faults.isEmpty() ? null : Fault.format(faults));
    client
        .resources(VmHost.class)
        .withName(host)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client
                .getKubernetesSerialization()
                .asJson(Map.of("metadata", Map.of("annotations", annotations))));
  }

  /**
   * Gives every host {@code faults} in the same instant, then records them in the annotations as
   * {@link #annotateFaults} does: a fault that hits the whole datacenter at once (an API outage for
   * everyone) must not reach the hosts one watch event after another, seconds apart under load,
   * which for the agents is a partition of some hosts before the others (their peers rightly do not
   * confirm an outage that began seconds later for them).
   */
  public void faultsEverywhereAtOnce(Set<Fault> faults) {
    String value = faults.isEmpty() ? null : Fault.format(faults);
    for (SimHost sim : hosts.values()) {
      synchronized (sim) {
        sim.annotationSeen = true;
        sim.lastAnnotation = value;
        applyFaults(sim, faults);
      }
    }
    hosts.keySet().forEach(host -> annotateFaults(host, faults));
  }

  private void annotationsChanged(VmHost host) {
    SimHost sim = hosts.get(host.getMetadata().getName());
    if (sim == null) {
      return;
    }
    Map<String, String> annotations = host.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(Fault.ANNOTATION);
    String watchdog = annotations == null ? null : annotations.get(WATCHDOG_ANNOTATION);
    synchronized (sim) {
      sim.watchdogDisabled = "off".equalsIgnoreCase(watchdog) || "false".equalsIgnoreCase(watchdog);
      if (Objects.equals(value, sim.lastAnnotation) && sim.annotationSeen) {
        return;
      }
      sim.annotationSeen = true;
      sim.lastAnnotation = value;
      Set<String> unknown = new TreeSet<>();
      Set<Fault> faults = Fault.parse(value, unknown);
      if (!unknown.isEmpty()) {
        LOG.warn(
            "VmHost {}: unknown faults {} in {} ignored; known: {}",
            sim.name,
            unknown,
            Fault.ANNOTATION,
            java.util.Arrays.stream(Fault.values()).map(Fault::value).toList());
      }
      applyFaults(sim, faults);
    }
  }

  /** Call with the SimHost's lock held. */
  private void applyFaults(SimHost sim, Set<Fault> faults) {
    Set<Fault> before = sim.faults;
    sim.faults = faults;
    if (!before.equals(faults)) {
      LOG.info(
          "simulated host {}: faults {} -> {}",
          sim.name,
          Fault.format(before),
          Fault.format(faults));
    }
    sim.driver.setStorageConnected(!faults.contains(Fault.STORAGE_DOWN));
    sim.driver.setNetworkConnected(!faults.contains(Fault.NETWORK_DOWN));
    sim.driver.setFailStarts(faults.contains(Fault.START_FAILURE));
    sim.driver.setRefuseMigrations(faults.contains(Fault.MIGRATION_FAILURE));
    boolean isolated = faults.contains(Fault.ISOLATED);
    boolean apiCut = isolated || faults.contains(Fault.API_PARTITION);
    if (sim.network != null) {
      // the agent and its peers learn it from refused connections, like real ones
      sim.network.cut(apiCut);
      sim.network.peers().cut(isolated);
    } else {
      sim.apiUp = !apiCut;
      sim.peersUp = !isolated;
    }
    if (faults.contains(Fault.HOST_CRASH) && !before.contains(Fault.HOST_CRASH)) {
      sim.stopAgent();
      sim.cancelWatchdog();
      sim.driver.crash();
    } else if (!faults.contains(Fault.HOST_CRASH) && before.contains(Fault.HOST_CRASH)) {
      if (sim.network != null) {
        sim.network = sim.network.rebooted(sim.name, options.agent());
      }
      sim.driver.boot();
      sim.journal.renewed(poweredOn()); // a new boot: the old renewal says nothing any more
    }
    if (!faults.contains(Fault.AGENT_DOWN)) {
      sim.cancelWatchdog();
    }
    ensureAgentState(sim);
  }

  /** Starts or kills the agent as the faults say; arms the watchdog when the agent dies. */
  private void ensureAgentState(SimHost sim) {
    boolean shouldRun =
        !sim.faults.contains(Fault.AGENT_DOWN) && !sim.faults.contains(Fault.HOST_CRASH);
    if (shouldRun && sim.agent == null) {
      SimHost host = sim;
      sim.agent =
          HostAgent.builder(options.agent().withHost(sim.name))
              .client(clientOf(sim))
              .heartbeatClient(heartbeatClientOf(sim))
              .view(
                  sim.network == null ? view : sim.network.view(),
                  sim.network != null
                      ? sim.network.view()::isSynced
                      : cachesInBackground ? this::cachesSynced : null)
              .driver(sim.driver)
              .clock(options.clock())
              .ticker(ticker)
              .executor(threads.executor)
              .fencingExecutors(
                  threads.heartbeats, threads.renewals, threads.guards, threads.fenceStops)
              .migrationExecutor(threads.migrations)
              .peerServer(peerServer)
              .advertisedEndpoint(sim.network == null ? null : sim.network.peers().endpoint())
              .peerClient(
                  sim.network == null ? peerClient : peerClient.routed(sim.network.peers()::route))
              .api(host.links)
              .journal(host.journal)
              .bootId(SIMULATION_BOOT)
              .watchdog(sim.watchdogDevice)
              .build()
              .start();
      sim.agentStarts++;
    } else if (!shouldRun && sim.agent != null) {
      sim.stopAgent();
      if (sim.faults.contains(Fault.AGENT_DOWN) && !sim.faults.contains(Fault.HOST_CRASH)) {
        armWatchdog(sim);
      }
    }
  }

  /**
   * A simulated host boots with a journal that says "renewed now": a real host that has never run
   * an agent runs no instance either, and a fresh simulated host must not fence before its first
   * renewal had a chance (a loaded benchmark's first renewals can be slow).
   */
  private AgentJournal.Entry poweredOn() {
    return new AgentJournal.Entry(
        options.clock().instant(), ticker.nanos(), SIMULATION_BOOT, Map.of(), 0);
  }

  private void armWatchdog(SimHost sim) {
    if (options.watchdog() == null || sim.watchdogDisabled || sim.watchdog != null) {
      return;
    }
    sim.watchdog =
        threads.executor.schedule(
            () -> {
              synchronized (sim) {
                sim.watchdog = null;
                if (sim.faults.contains(Fault.AGENT_DOWN) && sim.driver.isPoweredOn()) {
                  LOG.warn(
                      "simulated host {}: the agent is dead for {}: the watchdog resets the host, "
                          + "stopping {} instance(s)",
                      sim.name,
                      options.watchdog(),
                      sim.driver.instances().size());
                  sim.driver.reset();
                  sim.watchdogResets++;
                }
              }
            },
            options.watchdog().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    if (guestLoop != null) {
      guestLoop.cancel(false);
    }
    for (SimHost sim : hosts.values()) {
      synchronized (sim) {
        sim.stopAgent();
        sim.cancelWatchdog();
        if (sim.network != null) {
          sim.network.close();
        }
      }
    }
    threads.close();
    heartbeatClient.close();
    hostInformer.stop();
    repositoryInformer.stop();
    view.close();
    if (peerServer != null) {
      peerServer.close();
    }
  }
}
