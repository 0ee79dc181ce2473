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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one hypervisor host (docs/agent-protocol.md, "What an agent does"). Every heartbeat
 * interval, and whenever its informers see a change that concerns its host, it works one tick:
 *
 * <ol>
 *   <li>renew its heartbeat Lease (heartbeat ticks only) and judge whether to fence itself (F4);
 *   <li>run the VMs placed on it, stop those in phase {@code Stopping}, live-migrate those with a
 *       migration target, stop {@code status.instancesToStop};
 *   <li>pause instances while storage is lost and resume them when it is back;
 *   <li>carry out a fencing request (S4) and renew the SPM Lease while holder and healthy;
 *   <li>report {@code status.reported} when it changed.
 * </ol>
 *
 * Ticks never overlap. Without the API server it keeps working from the last picture it read, so
 * its VMs keep running; it only stops them by self-fencing.
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
  private final ApiLink api;
  private final PeerServer peerServer;
  private final PeerClient peerClient;
  private final Leases leases;
  private final SelfFencing selfFencing;

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

  /** Hosts in the fleet, this one included: what the operator's freeze (H5) counts against. */
  private volatile int fleetSize = 1;

  private boolean fenceRestartDone;
  private int fenceRestarts;
  private int spmRenewals;
  private volatile boolean statusWritten;
  private final AgentJournal journal;

  /**
   * @param peerServer serves this agent's peer endpoint; null for none (then no peer can ask it)
   * @param peerClient asks peers during self-fencing; null when it has no token (it never fences)
   * @param api the simulation's model of this host's link to the API server; {@link
   *     ApiLink#ALWAYS_UP} for a real agent
   * @param journal where the last heartbeat renewal and the peers outlive this agent: a restarted
   *     agent's self-fence clock counts from that renewal, not from its own start, and it can ask
   *     those peers before it reaches the API server again
   */
  public HostAgent(
      AgentOptions options,
      KubernetesClient client,
      ClusterView view,
      HypervisorDriver driver,
      Clock clock,
      ScheduledExecutorService executor,
      PeerServer peerServer,
      PeerClient peerClient,
      ApiLink api,
      AgentJournal journal) {
    this.options = Objects.requireNonNull(options, "options");
    this.me = options.host();
    this.client = Objects.requireNonNull(client, "client");
    this.view = Objects.requireNonNull(view, "view");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.peerServer = peerServer;
    this.peerClient = peerClient;
    this.api = api == null ? ApiLink.ALWAYS_UP : api;
    this.leases =
        new Leases(
            client,
            options.leaseNamespace(),
            me,
            (int) Math.max(1, options.hostGracePeriod().toSeconds()));
    this.journal = Objects.requireNonNull(journal, "journal");
    Instant now = clock.instant();
    var remembered = journal.last().filter(e -> e.lastRenewal().isBefore(now));
    Instant lastRenewal = remembered.map(AgentJournal.Entry::lastRenewal).orElse(now);
    remembered.ifPresent(
        e -> {
          fleetSize = Math.max(e.fleetSize(), e.peers().size() + 1);
          e.peers()
              .forEach(
                  (host, endpoint) -> {
                    if (!me.equals(host)) {
                      peerEndpoints.put(host, endpoint);
                    }
                  });
          LOG.info(
              "agent of {}: last heartbeat renewal {} (journal): the self-fence clock runs from"
                  + " there; {} peer(s) known in a fleet of {}",
              me,
              e.lastRenewal(),
              peerEndpoints.size(),
              fleetSize);
        });
    this.selfFencing =
        new SelfFencing(
            options.fencing(), options.selfFenceAfter(), options.hostGracePeriod(), lastRenewal);
  }

  /** Starts the loop: a heartbeat tick now and every heartbeat interval, plus a tick per change. */
  public synchronized HostAgent start() {
    if (running) {
      return this;
    }
    running = true;
    if (peerServer != null) {
      endpoint =
          peerServer.register(
              me,
              () ->
                  api.peersReachable()
                      ? selfFencing.answer(clock.instant(), options.apiFreshness())
                      : null);
    }
    subscription = view.subscribe(me, this::wake);
    long interval = options.heartbeatInterval().toNanos();
    loop = executor.scheduleWithFixedDelay(() -> tick(true), 0, interval, TimeUnit.NANOSECONDS);
    LOG.info(
        "agent of {} started (driver {}, heartbeat every {})",
        me,
        driver.name(),
        options.heartbeatInterval());
    return this;
  }

  /**
   * Stops the loop as if the process died: nothing is cleaned up, instances keep running, the
   * heartbeat simply stops. Peers asking its endpoint get no answer.
   */
  @Override
  public synchronized void close() {
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

  /** One pass of the loop; {@code heartbeat} ticks also renew the Leases. Never throws. */
  synchronized void tick(boolean heartbeat) {
    if (!running) {
      return;
    }
    try {
      Instant now = clock.instant();
      if (selfFencing.isFenced()) {
        if (!selfFencing.mayResume(now, api.up())) {
          return;
        }
        selfFencing.resumed();
        LOG.warn("agent of {} reaches the API server again after self-fencing: resuming", me);
      }
      if (heartbeat) {
        step(
            "renew heartbeat",
            () -> {
              api.check();
              leases.renewHeartbeat(now);
              selfFencing.renewed(now);
              journal.renewed(now, peerEndpoints, fleetSize);
            });
        if (!selfFence(now)) {
          return;
        }
      }
      Work work = readWork(heartbeat);
      if (work == null) {
        return;
      }
      step("run placed VMs", () -> runPlaced(work));
      step("migrate", () -> migrate(work));
      step("stop instances", () -> stopListed(work));
      step("storage", () -> guardStorage(work));
      boolean fenced = fencing(work);
      if (heartbeat) {
        step("renew SPM", () -> renewSpm(work, fenced, now));
      }
      step("report", () -> report(work, fenced, now));
    } catch (RuntimeException e) {
      LOG.warn("agent of {}: tick failed", me, e);
    }
  }

  // ---- 9. self-fencing ------------------------------------------------------------------------

  /**
   * @return whether the agent carries on (false: it just fenced itself).
   */
  private boolean selfFence(Instant now) {
    SelfFencing.Decision previous = selfFencing.lastDecision();
    SelfFencing.Decision decision = selfFencing.evaluate(now, this::askPeers);
    PeerClient.Verdict verdict = selfFencing.lastVerdict();
    if (decision == SelfFencing.Decision.ApiOutage && previous != decision) {
      LOG.info(
          "agent of {} cannot renew its heartbeat, and {} of {} peers confirm they lost the API"
              + " server no later (needed {} in a fleet of {}): an API outage the operator"
              + " freezes failover for, nothing is fenced",
          me,
          verdict.confirmed(),
          verdict.asked(),
          verdict.needed(),
          fleetSize);
    }
    if (decision != SelfFencing.Decision.Fence) {
      return true;
    }
    if (verdict.someoneReachesApi()) {
      LOG.warn(
          "agent of {} has not renewed its heartbeat since {} while peer {} reaches the API"
              + " server: self-fencing, stopping every instance",
          me,
          selfFencing.lastRenewal(),
          verdict.reachingPeer());
    } else {
      LOG.warn(
          "agent of {} has not renewed its heartbeat since {} and only {} of the {} peers needed"
              + " confirm they lost the API server too ({} asked, {} answered; fleet of {}): the"
              + " operator may be failing its VMs over, self-fencing, stopping every instance",
          me,
          selfFencing.lastRenewal(),
          verdict.confirmed(),
          verdict.needed(),
          verdict.asked(),
          verdict.answered(),
          fleetSize);
    }
    for (Instance instance : driver.instances()) {
      try {
        driver.stop(instance.ref());
      } catch (DriverException e) {
        LOG.error(
            "agent of {}: could not stop {} while self-fencing: {}",
            me,
            instance.ref(),
            e.getMessage());
      }
    }
    failedStarts.clear();
    lastReport = null;
    lastWork = null;
    needsFreshList = true;
    selfFencing.fenced(now);
    return false;
  }

  private PeerClient.Verdict askPeers(Instant lastRenewal) {
    int needed = options.peersNeededForOutage(fleetSize);
    if (peerClient == null || peerEndpoints.isEmpty() || !api.peersReachable()) {
      return PeerClient.Verdict.nobodyAsked(needed);
    }
    return peerClient.ask(
        Map.copyOf(peerEndpoints),
        new PeerClient.Question(lastRenewal, options.outageTolerance(), needed));
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
      driver.start(name, vm.resources(), vm.image());
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
      executor.execute(
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
      if (item.getName() == null) {
        continue;
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
      if (leases.releaseSpmIfHolder(view.spmLease())) {
        LOG.info("agent of {}: released the SPM role as the operator asked", me);
      }
      return;
    }
    if (fenced || work.maintenance() || !driver.storageConnected()) {
      return;
    }
    api.check();
    if (leases.renewSpmIfHolder(view.spmLease(), now)) {
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

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
