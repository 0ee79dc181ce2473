package io.vmha.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.AgentReport;
import io.vmha.api.InstanceReport;
import io.vmha.api.InstanceToStop;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one hypervisor host (docs/agent-protocol.md, "What an agent does"). Three loops,
 * each on threads of its own, so none waits on another:
 *
 * <ul>
 *   <li>the {@link Heartbeat} renews the heartbeat Lease every interval, with a deadline per
 *       request;
 *   <li>the {@link FencingGuard} judges on the monotonic clock whether to fence (F4), stops every
 *       instance when due, and feeds the watchdog while the host may keep them;
 *   <li>the work loop, every heartbeat interval and whenever the informers see a change that
 *       concerns its host: run the VMs placed on it, stop those in phase {@code Stopping},
 *       live-migrate those with a migration target (on a pool of their own), stop {@code
 *       status.instancesToStop}, pause instances while storage is lost, carry out a fencing request
 *       (S4), renew the SPM Lease while holder and healthy, and report {@code status.reported} when
 *       it changed.
 * </ul>
 *
 * Work ticks never overlap. Without the API server the work loop keeps working from the last
 * picture it read, so its VMs keep running; only the guard stops them, by fencing. After a fence
 * the work loop starts nothing until the heartbeat resumes the agent.
 */
public final class HostAgent implements AutoCloseable {
  /** Reason of an instance paused because its host lost storage (S1). */
  public static final String STORAGE_LOST = "StorageLost";

  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final AgentOptions options;
  private final String me;
  private final KubernetesClient client;
  private final ClusterView view;
  private final HypervisorDriver driver;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final ExecutorService migrations;
  private final ApiLink api;
  private final PeerServer peerServer;
  private final PeerClient peerClient;
  private final Leases spmLeases;
  private final SelfFencing selfFencing;
  private final Heartbeat heartbeat;
  private final FencingGuard guard;
  private final Watchdog watchdog;
  private final java.util.function.BooleanSupplier viewReady;
  private final List<ExecutorService> owned;

  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Set<InstanceRef> migrating = ConcurrentHashMap.newKeySet();
  private final Map<InstanceRef, Instance> failedStarts = new HashMap<>();
  private final Map<String, String> peerEndpoints = new ConcurrentHashMap<>();
  private volatile boolean running;
  private ScheduledFuture<?> loop;
  private ClusterView.Subscription subscription;
  private String endpoint = "";
  private Work lastWork;
  private String lastReport;
  private boolean needsFreshList;
  private boolean peersRead;
  private long fencesSeen;

  /**
   * When this agent last fenced itself, until the operator acknowledges it (R7): the agent starts
   * nothing meanwhile, so nothing it starts races with the operator re-placing its VMs.
   */
  private volatile String selfFencedAt;

  /**
   * Hosts in the fleet, this one included: what the operator's freeze (H5) counts against; 0 while
   * unknown (no journal and the API server not read yet), when no outage can be confirmed.
   */
  private volatile int fleetSize;

  private boolean fenceRestartDone;
  private int fenceRestarts;
  private int spmRenewals;
  private volatile boolean statusWritten;
  private final io.vmha.api.AgentSettingsReport settingsReport;

  private HostAgent(Builder b) {
    this.options = Objects.requireNonNull(b.options, "options");
    this.me = options.host();
    this.client = Objects.requireNonNull(b.client, "client");
    this.view = Objects.requireNonNull(b.view, "view");
    this.driver = Objects.requireNonNull(b.driver, "driver");
    this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
    Ticker ticker = b.ticker == null ? Ticker.following(clock) : b.ticker;
    this.executor = Objects.requireNonNull(b.executor, "executor");
    this.peerServer = b.peerServer;
    this.peerClient = b.peerClient;
    this.api = b.api == null ? ApiLink.ALWAYS_UP : b.api;
    this.watchdog = b.watchdog == null ? Watchdog.NONE : b.watchdog;
    this.viewReady = b.viewReady == null ? () -> true : b.viewReady;
    AgentJournal journal = Objects.requireNonNull(b.journal, "journal");
    String bootId = b.bootId == null ? AgentJournal.currentBootId() : b.bootId;
    List<ExecutorService> mine = new ArrayList<>();
    ScheduledExecutorService beats =
        b.heartbeatExecutor != null ? b.heartbeatExecutor : own(mine, scheduled("heartbeat"));
    ScheduledExecutorService guards =
        b.guardExecutor != null ? b.guardExecutor : own(mine, scheduled("fencing"));
    this.migrations =
        b.migrationExecutor != null ? b.migrationExecutor : own(mine, pool("migrate"));
    ExecutorService stoppers = b.fenceExecutor != null ? b.fenceExecutor : own(mine, pool("fence"));
    ExecutorService renewals =
        b.renewalExecutor != null ? b.renewalExecutor : own(mine, pool("renew"));
    this.owned = List.copyOf(mine);
    int duration = (int) Math.max(1, options.hostGracePeriod().toSeconds());
    KubernetesClient beatClient = b.heartbeatClient == null ? client : b.heartbeatClient;
    this.spmLeases = new Leases(client, options.leaseNamespace(), me, duration);
    this.settingsReport = options.settingsReport();

    long now = ticker.nanos();
    var remembered =
        journal.last().flatMap(e -> e.renewalNanos(bootId, now).map(nanos -> Map.entry(e, nanos)));
    long lastRenewal;
    if (remembered.isPresent()) {
      AgentJournal.Entry e = remembered.get().getKey();
      lastRenewal = remembered.get().getValue();
      fleetSize = Math.max(e.fleetSize(), e.peers().isEmpty() ? 0 : e.peers().size() + 1);
      e.peers()
          .forEach(
              (host, url) -> {
                if (!me.equals(host)) {
                  peerEndpoints.put(host, url);
                }
              });
      LOG.info(
          "agent of {}: last heartbeat renewal {} ms ago ({}, journal): the self-fence clock runs"
              + " from there; {} peer(s) known in a fleet of {}",
          me,
          (now - lastRenewal) / 1_000_000,
          e.renewedAt(),
          peerEndpoints.size(),
          fleetSize == 0 ? "unknown size" : fleetSize);
    } else {
      // "renewed long ago": the first renewal, within its deadline, is all the time there is
      long allowance = options.renewalDeadline().plusMillis(100).toNanos();
      lastRenewal = now - Math.max(0, options.selfFenceAfter().toNanos() - allowance);
      LOG.info(
          "agent of {}: no usable journal: its last renewal counts as long ago, it fences unless"
              + " it reaches the API server within {}",
          me,
          options.renewalDeadline());
    }
    this.selfFencing =
        new SelfFencing(
            options.fencing(),
            options.selfFenceAfter(),
            options.hostGracePeriod(),
            options.heartbeatInterval(),
            ticker,
            lastRenewal);
    this.heartbeat =
        new Heartbeat(
            me,
            new Leases(beatClient, options.leaseNamespace(), me, duration),
            selfFencing,
            journal,
            bootId,
            ticker,
            clock,
            api,
            () -> peerEndpoints,
            () -> fleetSize,
            options.heartbeatInterval(),
            beats,
            renewals,
            this::wake);
    this.guard =
        new FencingGuard(
            me,
            selfFencing,
            new Fence(me, driver, stoppers, options.fenceBudget()),
            watchdog,
            this::askPeers,
            FencingGuard.interval(options.heartbeatInterval()),
            guards,
            () -> selfFencedAt = clock.instant().toString());
  }

  public static Builder builder(AgentOptions options) {
    return new Builder(options);
  }

  /** Starts the fencing guard and the heartbeat first, then the peer endpoint and the work loop. */
  public synchronized HostAgent start() {
    if (running) {
      return this;
    }
    running = true;
    guard.start();
    heartbeat.start();
    if (peerServer != null) {
      endpoint =
          peerServer.register(
              me, () -> api.peersReachable() ? selfFencing.answer(options.apiFreshness()) : null);
      peerServer.registerInventory(me, driver::instances);
    }
    subscription = view.subscribe(me, this::wake);
    long interval = options.heartbeatInterval().toNanos();
    loop = executor.scheduleWithFixedDelay(() -> tick(true), 0, interval, TimeUnit.NANOSECONDS);
    LOG.info(
        "agent of {} started (driver {}, heartbeat every {}, renewal deadline {}, fence budget {},"
            + " watchdog {})",
        me,
        driver.name(),
        options.heartbeatInterval(),
        options.renewalDeadline(),
        options.fenceBudget(),
        watchdog.describe());
    return this;
  }

  /**
   * Stops the loops as if the process died: nothing is cleaned up, instances keep running, the
   * heartbeat simply stops, the watchdog is left as it is. Peers asking its endpoint get no answer.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      if (loop != null) {
        loop.cancel(false);
      }
      if (subscription != null) {
        subscription.close();
      }
      if (peerServer != null) {
        peerServer.unregister(me);
      }
    }
    heartbeat.close();
    guard.close();
    owned.forEach(ExecutorService::shutdownNow);
    LOG.info("agent of {} stopped", me);
  }

  public String host() {
    return me;
  }

  public boolean isRunning() {
    return running;
  }

  /** The peer endpoint URL this agent reports, or "" without a peer server. */
  public String endpoint() {
    return endpoint;
  }

  public SelfFencing.Decision lastSelfFenceDecision() {
    return selfFencing.lastDecision();
  }

  public PeerClient.Verdict lastPeerVerdict() {
    return selfFencing.lastVerdict();
  }

  public boolean isSelfFenced() {
    return selfFencing.isFenced();
  }

  /** The last fence's outcome, or null if this agent never fenced. */
  public Fence.Result lastFence() {
    return guard.lastFence();
  }

  /** Heartbeat renewals the API server acknowledged since this agent started. */
  public long heartbeatRenewals() {
    return heartbeat.renewals();
  }

  /** How many times the agent restarted itself for a fencing request (S4). */
  public synchronized int fenceRestarts() {
    return fenceRestarts;
  }

  public synchronized int spmRenewals() {
    return spmRenewals;
  }

  /** Asks for a tick soon (coalesced: many changes make one tick). */
  public void wake() {
    if (running && wakePending.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              wakePending.set(false);
              tick(false);
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        wakePending.set(false);
      }
    }
  }

  /** One pass of the work loop; {@code timer} ticks also read peers and renew the SPM Lease. */
  synchronized void tick(boolean timer) {
    if (!running || !viewReady.getAsBoolean()) {
      return;
    }
    try {
      if (selfFencing.isFenced()) {
        return;
      }
      long fences = selfFencing.fences();
      if (fences != fencesSeen) {
        // fenced and resumed since the last tick: start over like a fresh agent, from a fresh list
        fencesSeen = fences;
        failedStarts.clear();
        lastReport = null;
        lastWork = null;
        needsFreshList = true;
      }
      Instant now = clock.instant();
      Work work = readWork(timer);
      if (work == null) {
        return;
      }
      String fence = selfFencedAt;
      boolean mayStart = fence == null;
      if (fence != null && fence.equals(work.status().getSelfFenceAcknowledged())) {
        // acknowledged: what is placed here now was decided knowing this host had fenced; read it
        // from the API server, not from a cache that may still show the placements of before
        LOG.info("agent of {}: the operator acknowledged its self-fence of {}", me, fence);
        selfFencedAt = null;
        needsFreshList = true;
        wake();
        return;
      }
      if (mayStart) {
        step("run placed VMs", () -> runPlaced(work));
        step("migrate", () -> migrate(work));
      }
      step("stop instances", () -> stopListed(work));
      step("storage", () -> guardStorage(work));
      boolean fenced = fencing(work);
      if (timer && selfFencing.lastDecision() == SelfFencing.Decision.Healthy) {
        step("renew SPM", () -> renewSpm(work, fenced, now));
      }
      step("report", () -> report(work, fenced, now));
    } catch (RuntimeException e) {
      LOG.warn("agent of {}: tick failed", me, e);
    }
  }

  // ---- 9. self-fencing: what the guard asks ---------------------------------------------------

  private PeerClient.Verdict askPeers(long renewalAgeNanos) {
    int hosts = fleetSize;
    int needed = hosts == 0 ? PeerClient.FLEET_UNKNOWN : options.peersNeededForOutage(hosts);
    if (peerClient == null || peerEndpoints.isEmpty() || !api.peersReachable()) {
      return PeerClient.Verdict.nobodyAsked(needed);
    }
    return peerClient.ask(
        Map.copyOf(peerEndpoints),
        new PeerClient.Question(
            java.time.Duration.ofNanos(renewalAgeNanos), options.outageTolerance(), needed));
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** The consistent picture of one tick: from the informers if the API is up, else the last one. */
  private record Work(VmHost self, List<PlacedVm> placed, List<PlacedVm> incoming) {
    VmHostStatus status() {
      return self == null || self.getStatus() == null ? new VmHostStatus() : self.getStatus();
    }

    boolean maintenance() {
      return self != null
          && self.getSpec() != null
          && Boolean.TRUE.equals(self.getSpec().getMaintenance());
    }
  }

  /**
   * Peers' endpoints, cached for self-fencing. Read on heartbeat ticks only (self-fencing asks
   * peers on heartbeat ticks, from what the previous one read): a fleet of N hosts then costs O(N)
   * per host per interval, not per VM event, and never O(N^2) per tick.
   */
  private void readPeerEndpoints() {
    Collection<VmHost> hosts = view.hosts();
    Set<String> names = new HashSet<>(hosts.size() * 2);
    for (VmHost peer : hosts) {
      String name = peer.getMetadata().getName();
      names.add(name);
      AgentReport reported = peer.getStatus() == null ? null : peer.getStatus().getReported();
      if (!me.equals(name)
          && reported != null
          && reported.getEndpoint() != null
          && !reported.getEndpoint().isBlank()) {
        peerEndpoints.put(name, reported.getEndpoint());
      } else if (!me.equals(name)) {
        peerEndpoints.remove(name);
      }
    }
    peerEndpoints.keySet().retainAll(names);
    names.add(me);
    fleetSize = names.size();
    peersRead = true;
  }

  private Work readWork(boolean heartbeat) {
    if (!api.up()) {
      return lastWork;
    }
    try {
      List<VirtualMachine> placedVms =
          needsFreshList ? view.listPlacedOnFromApi(me) : view.placedOn(me);
      needsFreshList = false;
      List<PlacedVm> placed = new ArrayList<>();
      for (VirtualMachine vm : placedVms) {
        PlacedVm p = PlacedVm.of(vm, view::template);
        if (me.equals(p.host())) {
          placed.add(p);
        }
      }
      List<PlacedVm> incoming = new ArrayList<>();
      for (VirtualMachine vm : view.migratingTo(me)) {
        incoming.add(PlacedVm.of(vm, view::template));
      }
      if (heartbeat || !peersRead) {
        readPeerEndpoints();
      }
      lastWork = new Work(view.host(me), placed, incoming);
    } catch (RuntimeException e) {
      LOG.debug(
          "agent of {}: could not read its work, using the last picture: {}", me, e.toString());
    }
    return lastWork;
  }

  // ---- 2-4. running, migrating, stopping ------------------------------------------------------

  private void runPlaced(Work work) {
    Map<InstanceRef, Instance> instances = instancesByRef();
    Set<InstanceRef> wanted = new HashSet<>();
    for (PlacedVm vm : work.placed()) {
      if (vm.instanceName() == null) {
        continue;
      }
      InstanceRef name = vm.instance();
      Instance instance = instances.get(name);
      if (PlacedVm.STOPPING.equals(vm.phase())) {
        if (instance != null) {
          stopInstance(name, "the VM is stopping");
        }
        failedStarts.remove(name);
        continue;
      }
      if (!vm.shouldRunOn(me)) {
        continue;
      }
      wanted.add(name);
      if (instance != null || failedStarts.containsKey(name) || migrating.contains(name)) {
        continue;
      }
      start(vm);
    }
    // a failed start is reported until the VM is no longer placed here with that instance
    failedStarts.keySet().retainAll(wanted);
  }

  private void start(PlacedVm vm) {
    InstanceRef name = vm.instance();
    try {
      if (vm.problem() != null) {
        throw new DriverException(vm.problem());
      }
      if (selfFencing.isFenced()) {
        return;
      }
      driver.start(name, vm.resources(), vm.image());
      if (selfFencing.isFenced()) {
        // the guard fenced while this start ran: its check stops it too; do not wait for that
        driver.stop(name);
        return;
      }
      LOG.info("agent of {} started {}", me, name);
    } catch (DriverException e) {
      LOG.warn("agent of {} could not start {}: {}", me, name, e.getMessage());
      failedStarts.put(
          name,
          new Instance(
              name.name(),
              vm.key(),
              Instance.State.Failed,
              e.getMessage(),
              vm.resources(),
              clock.instant()));
    }
  }

  private void migrate(Work work) {
    Map<InstanceRef, Instance> instances = instancesByRef();
    for (PlacedVm vm : work.placed()) {
      InstanceRef name = vm.instanceName() == null ? null : vm.instance();
      if (name == null
          || !vm.migratingAwayFrom(me)
          || !instances.containsKey(name)
          || !migrating.add(name)) {
        continue;
      }
      String target = vm.migrationTarget();
      LOG.info("agent of {} live-migrates {} to {}", me, name, target);
      migrations.execute(
          () -> {
            try {
              driver.migrate(name, target);
            } catch (DriverException | RuntimeException e) {
              LOG.warn(
                  "agent of {}: migration of {} to {} failed: {}",
                  me,
                  name,
                  target,
                  e.getMessage());
            } finally {
              migrating.remove(name);
              wake();
            }
          });
    }
  }

  private void stopListed(Work work) {
    List<InstanceToStop> toStop = work.status().getInstancesToStop();
    if (toStop == null || toStop.isEmpty()) {
      return;
    }
    Map<InstanceRef, Instance> instances = instancesByRef();
    for (InstanceToStop item : toStop) {
      if (item.getName() == null || item.getVm() == null || item.getVm().isBlank()) {
        continue; // an instance without a VM is not vmha's: never stopped, whoever lists it
      }
      InstanceRef listed = new InstanceRef(item.getVm(), item.getName());
      failedStarts.remove(listed);
      if (instances.containsKey(listed) && !migrating.contains(listed)) {
        stopInstance(listed, "the operator listed it (" + item.getReason() + ")");
      }
    }
  }

  private void stopInstance(InstanceRef name, String why) {
    try {
      driver.stop(name);
      LOG.info("agent of {} stopped {}: {}", me, name, why);
    } catch (DriverException e) {
      LOG.warn("agent of {} could not stop {}: {}", me, name, e.getMessage());
    }
  }

  // ---- 6. storage -------------------------------------------------------------------------------

  private void guardStorage(Work work) {
    boolean storage = driver.storageConnected();
    Set<InstanceRef> mayResume = new HashSet<>();
    work.placed().stream()
        .filter(vm -> vm.shouldRunOn(me) && vm.instanceName() != null)
        .map(PlacedVm::instance)
        .forEach(mayResume::add);
    work.incoming().stream()
        .filter(vm -> vm.instanceName() != null)
        .map(PlacedVm::instance)
        .forEach(mayResume::add);
    for (Instance instance : driver.instances()) {
      if (migrating.contains(instance.ref())) {
        continue;
      }
      try {
        if (!storage && instance.state() == Instance.State.Running) {
          driver.pause(instance.ref(), STORAGE_LOST);
          LOG.warn("agent of {} paused {}: storage lost", me, instance.name());
        } else if (storage
            && instance.state() == Instance.State.Paused
            && STORAGE_LOST.equals(instance.reason())
            && mayResume.contains(instance.ref())) {
          driver.resume(instance.ref());
          LOG.info("agent of {} resumed {}: storage is back", me, instance.name());
        }
      } catch (DriverException e) {
        LOG.warn("agent of {}: {} {}", me, instance.name(), e.getMessage());
      }
    }
  }

  // ---- 7-8. fencing request and SPM -------------------------------------------------------------

  /**
   * @return whether the agent reports {@code fenced: true}.
   */
  private boolean fencing(Work work) {
    boolean requested =
        work.status().getFencing() != null
            && Boolean.TRUE.equals(work.status().getFencing().getRequested());
    if (!requested) {
      fenceRestartDone = false;
      return false;
    }
    if (!fenceRestartDone) {
      // The agent "restarts": it drops everything it remembers and stops renewing the SPM Lease;
      // the hypervisor and its instances are untouched (S4: its VMs are handled as in S1).
      failedStarts.clear();
      lastReport = null;
      fenceRestartDone = true;
      fenceRestarts++;
      LOG.warn(
          "agent of {}: fencing requested ({}): restarted, no longer renewing the SPM Lease",
          me,
          work.status().getFencing().getReason());
    }
    return true;
  }

  private void renewSpm(Work work, boolean fenced, Instant now) {
    if (Boolean.TRUE.equals(work.status().getSpmReleaseRequested())) {
      // The operator asks us to give the role up: we stopped acting as SPM above, so clearing the
      // holder ourselves means the next holder can never overlap with us.
      api.check();
      if (spmLeases.releaseSpmIfHolder(view.spmLease())) {
        LOG.info("agent of {}: released the SPM role as the operator asked", me);
      }
      return;
    }
    if (fenced || work.maintenance() || !driver.storageConnected()) {
      return;
    }
    api.check();
    if (spmLeases.renewSpmIfHolder(view.spmLease(), now)) {
      spmRenewals++;
    }
  }

  // ---- 5. report --------------------------------------------------------------------------------

  private void report(Work work, boolean fenced, Instant now) {
    AgentReport report = new AgentReport();
    report.setAgentVersion(options.agentVersion());
    report.setDriver(driver.name());
    report.setEndpoint(endpoint);
    report.setMigrationUri(driver.migrationUri());
    report.setStorageConnected(driver.storageConnected());
    report.setNetworkConnected(driver.networkConnected());
    report.setReachableRepositories(new ArrayList<>(new TreeSet<>(driver.reachableRepositories())));
    report.setInstances(instanceReports());
    report.setFenced(fenced);
    report.setSettings(settingsReport);
    report.setSelfFencedAt(selfFencedAt);
    String content = toJson(report);
    AgentReport seen = work.status().getReported();
    boolean wiped = seen == null || seen.getEndpoint() == null;
    if (content.equals(lastReport) && !wiped) {
      return;
    }
    api.check();
    report.setReportTime(now.toString());
    writeReport(report, work.self() != null && work.self().getStatus() != null);
    lastReport = content;
  }

  /**
   * Replaces {@code status.reported} and nothing else. A JSON Patch {@code add} replaces the field
   * whole; a JSON merge patch would do the same on a real API server, but the Fabric8 mock server
   * merges lists element by element, so a stopped instance would stay reported there. While the
   * host has no status yet (as far as the cache knows) a merge patch, which has nothing to merge
   * with, writes it; a JSON Patch to a missing status, if the cache lagged, is refused (422) and
   * the merge patch is used too.
   */
  private void writeReport(AgentReport report, boolean statusExists) {
    var status = client.resources(VmHost.class).withName(me).subresource("status");
    if (!statusExists && !statusWritten) {
      status.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          toJson(Map.of("status", Map.of("reported", report))));
      statusWritten = true; // from now on replace the field whole, even before the cache shows it
      return;
    }
    try {
      status.patch(
          PatchContext.of(PatchType.JSON),
          toJson(List.of(Map.of("op", "add", "path", "/status/reported", "value", report))));
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 422 && e.getCode() != 400) {
        throw e;
      }
      status.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          toJson(Map.of("status", Map.of("reported", report))));
    }
  }

  /**
   * Plain Jackson, not the client's serializer: that one drops empty lists, and in a merge patch a
   * missing list keeps the old one (an instance would stay reported after it stopped).
   */
  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the report", e);
    }
  }

  private List<InstanceReport> instanceReports() {
    Map<InstanceRef, Instance> all = new LinkedHashMap<>(failedStarts);
    all.putAll(instancesByRef());
    List<InstanceReport> reports = new ArrayList<>();
    for (Instance instance : all.values()) {
      InstanceReport r = new InstanceReport();
      r.setName(instance.name());
      r.setVm(instance.vmKey());
      r.setState(instance.state().name());
      r.setReason(instance.reason());
      r.setResources(instance.resources());
      r.setSince(instance.since() == null ? null : instance.since().toString());
      reports.add(r);
    }
    reports.sort(
        Comparator.comparing(InstanceReport::getName)
            .thenComparing(
                InstanceReport::getVm, Comparator.nullsFirst(Comparator.naturalOrder())));
    return reports;
  }

  private Map<InstanceRef, Instance> instancesByRef() {
    Map<InstanceRef, Instance> byRef = new LinkedHashMap<>();
    for (Instance instance : driver.instances()) {
      byRef.put(instance.ref(), instance);
    }
    return byRef;
  }

  private void step(String what, ThrowingRunnable action) {
    try {
      action.run();
    } catch (ApiLink.ApiUnreachableException e) {
      LOG.debug("agent of {}: {}: API server unreachable", me, what);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      LOG.debug("agent of {}: {} failed: {}", me, what, e.toString());
    } catch (Exception e) {
      LOG.warn("agent of {}: {} failed", me, what, e);
    }
  }

  private static <T extends ExecutorService> T own(List<ExecutorService> owned, T executor) {
    owned.add(executor);
    return executor;
  }

  private static ScheduledExecutorService scheduled(String name) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon(name));
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  private static ExecutorService pool(String name) {
    return Executors.newCachedThreadPool(daemon(name));
  }

  /** Daemon threads named after their job, for thread dumps. */
  public static java.util.concurrent.ThreadFactory daemon(String name) {
    java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "vmha-" + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * What an agent is made of. Required: options, client, view, driver, executor (the work loop's),
   * journal. Executors not given are the agent's own (one thread each for heartbeat and fencing,
   * pools for migrations and fence stops) and end with it; a simulation of many hosts shares them.
   */
  public static final class Builder {
    private final AgentOptions options;
    private KubernetesClient client;
    private KubernetesClient heartbeatClient;
    private ClusterView view;
    private java.util.function.BooleanSupplier viewReady;
    private HypervisorDriver driver;
    private Clock clock;
    private Ticker ticker;
    private ScheduledExecutorService executor;
    private ScheduledExecutorService heartbeatExecutor;
    private ScheduledExecutorService guardExecutor;
    private ExecutorService migrationExecutor;
    private ExecutorService fenceExecutor;
    private ExecutorService renewalExecutor;
    private PeerServer peerServer;
    private PeerClient peerClient;
    private ApiLink api;
    private AgentJournal journal;
    private Watchdog watchdog;
    private String bootId;

    private Builder(AgentOptions options) {
      this.options = options;
    }

    /** The client for reads, reports and the SPM Lease. */
    public Builder client(KubernetesClient value) {
      this.client = value;
      return this;
    }

    /** The client for heartbeat renewals, with a deadline ({@link Leases#deadlineClient}). */
    public Builder heartbeatClient(KubernetesClient value) {
      this.heartbeatClient = value;
      return this;
    }

    /** The informers; {@code ready} says when their caches are filled (the work loop waits). */
    public Builder view(ClusterView value, java.util.function.BooleanSupplier ready) {
      this.view = value;
      this.viewReady = ready;
      return this;
    }

    public Builder view(ClusterView value) {
      return view(value, null);
    }

    public Builder driver(HypervisorDriver value) {
      this.driver = value;
      return this;
    }

    /** Wall clock for reports and Lease times; the fencing clock follows it ({@link Ticker}). */
    public Builder clock(Clock value) {
      this.clock = value;
      return this;
    }

    public Builder ticker(Ticker value) {
      this.ticker = value;
      return this;
    }

    public Builder executor(ScheduledExecutorService value) {
      this.executor = value;
      return this;
    }

    /**
     * Shared heartbeat and fencing threads (a simulation of many hosts): the heartbeat timer, the
     * pool its renewals run on (grows with the renewals in flight), the guard's timer and the pool
     * of fence stops.
     */
    public Builder fencingExecutors(
        ScheduledExecutorService heartbeats,
        ExecutorService renewals,
        ScheduledExecutorService guards,
        ExecutorService fenceStops) {
      this.heartbeatExecutor = heartbeats;
      this.renewalExecutor = renewals;
      this.guardExecutor = guards;
      this.fenceExecutor = fenceStops;
      return this;
    }

    public Builder migrationExecutor(ExecutorService value) {
      this.migrationExecutor = value;
      return this;
    }

    /** Serves this agent's peer endpoint; none: no peer can ask it. */
    public Builder peerServer(PeerServer value) {
      this.peerServer = value;
      return this;
    }

    /** Asks peers during self-fencing; none: no peer is asked (nothing confirms an outage). */
    public Builder peerClient(PeerClient value) {
      this.peerClient = value;
      return this;
    }

    /** The simulation's model of this host's links; a real agent's are always "up". */
    public Builder api(ApiLink value) {
      this.api = value;
      return this;
    }

    /** Where the last renewal and the peers outlive the agent process. */
    public Builder journal(AgentJournal value) {
      this.journal = value;
      return this;
    }

    public Builder watchdog(Watchdog value) {
      this.watchdog = value;
      return this;
    }

    /** The boot the journal's monotonic instants belong to (default: this machine's). */
    public Builder bootId(String value) {
      this.bootId = value;
      return this;
    }

    public HostAgent build() {
      return new HostAgent(this);
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
