package io.vmha.core;

import io.vmha.core.model.AgentReport;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RepositoryType;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.RestartAttempt;
import io.vmha.core.model.SpmLeaseView;
import io.vmha.core.model.SpmPriority;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import io.vmha.core.model.VmView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds fleet snapshots that read like the scenario. VMs placed on a host are reported by that
 * host's agent as running unless told otherwise; hosts see every shared repository by default.
 */
public final class FleetBuilder {
  public static final Instant T0 = Instant.parse("2025-01-01T12:00:00Z");

  private Instant now = T0;
  private Settings settings = Settings.defaults();
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final Map<String, RepositoryView> repositories = new LinkedHashMap<>();
  private final Map<String, Template> templates = new LinkedHashMap<>();
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  private SpmLeaseView lease = SpmLeaseView.none();
  private boolean failoverFrozen;
  private Instant failoverResumedAt;

  public static FleetBuilder fleet() {
    return new FleetBuilder();
  }

  public FleetBuilder settings(Settings value) {
    settings = value;
    return this;
  }

  public Instant now() {
    return now;
  }

  /** Moves the clock; hosts that are {@link Host#alive()} renew their heartbeat meanwhile. */
  public FleetBuilder advance(Duration duration) {
    now = now.plus(duration);
    for (Host host : hosts.values()) {
      if (host.alive) {
        host.lastHeartbeatSeen = now;
      }
    }
    return this;
  }

  public FleetBuilder sharedRepository(String name) {
    repositories.put(name, RepositoryView.shared(name));
    return this;
  }

  public FleetBuilder localRepository(String name, String host) {
    repositories.put(name, RepositoryView.local(name, host));
    return this;
  }

  public FleetBuilder host(String name) {
    return host(name, h -> {});
  }

  public FleetBuilder host(String name, Consumer<Host> spec) {
    Host host = hosts.computeIfAbsent(name, Host::new);
    spec.accept(host);
    return this;
  }

  public Host host$(String name) {
    return hosts.get(name);
  }

  public FleetBuilder template(String namespace, String name, Consumer<Template> spec) {
    Template template =
        templates.computeIfAbsent(namespace + "/" + name, k -> new Template(namespace, name));
    spec.accept(template);
    return this;
  }

  public FleetBuilder vm(String key, Consumer<Vm> spec) {
    Vm vm = vms.computeIfAbsent(key, Vm::new);
    spec.accept(vm);
    return this;
  }

  public Vm vm$(String key) {
    return vms.get(key);
  }

  public FleetBuilder removeVm(String key) {
    vms.remove(key);
    return this;
  }

  public FleetBuilder spmLease(String holder, Instant lastRenewSeen) {
    lease = new SpmLeaseView(holder, lastRenewSeen, settings.spmLeaseDuration());
    return this;
  }

  /** Records failover as resumed now (what the operator does when it applies UnfreezeFailover). */
  public FleetBuilder failoverResumedNow() {
    failoverFrozen = false;
    failoverResumedAt = now;
    return this;
  }

  public FleetBuilder failoverFrozen(boolean value) {
    failoverFrozen = value;
    return this;
  }

  public FleetSnapshot snapshot() {
    Map<String, List<InstanceReport>> reported = new HashMap<>();
    for (Vm vm : vms.values()) {
      if (vm.host != null && vm.reported) {
        reported
            .computeIfAbsent(vm.host, h -> new ArrayList<>())
            .add(
                new InstanceReport(
                    vm.instanceName,
                    vm.key,
                    vm.reportedState(),
                    vm.resources(),
                    null,
                    vm.migrationFailure,
                    vm.guestAgentAnswers,
                    vm.sendingTo));
      }
    }
    List<HostView> hostViews = new ArrayList<>();
    for (Host host : hosts.values()) {
      List<InstanceReport> instances = new ArrayList<>(host.extraInstances);
      instances.addAll(reported.getOrDefault(host.name, List.of()));
      Set<String> reachable = new HashSet<>(host.reaches);
      for (RepositoryView repository : repositories.values()) {
        boolean sees =
            repository.type() == RepositoryType.Shared
                ? !host.unreachable.contains(repository.name())
                : host.name.equals(repository.localHost());
        if (sees && host.storage) {
          reachable.add(repository.name());
        }
      }
      AgentReport report =
          host.neverReported
              ? null
              : new AgentReport(
                  host.storage,
                  host.network,
                  reachable,
                  instances,
                  host.fenced,
                  host.settings,
                  host.freshStartAt);
      hostViews.add(
          new HostView(
              host.name,
              host.labels,
              host.capacity,
              host.unschedulable,
              host.maintenance,
              host.deleting,
              host.spmPriority,
              host.lastHeartbeatSeen,
              report,
              host.recordedPhase,
              host.fencingRequested,
              !host.notSeenRenewing,
              host.power));
    }
    List<TemplateView> templateViews = new ArrayList<>();
    templates.values().forEach(t -> templateViews.add(t.view()));
    List<VmView> vmViews = new ArrayList<>();
    vms.values().forEach(v -> vmViews.add(v.view()));
    return new FleetSnapshot(
        now,
        settings,
        hostViews,
        List.copyOf(repositories.values()),
        templateViews,
        vmViews,
        lease,
        failoverFrozen,
        failoverResumedAt);
  }

  public Plan plan() {
    return new Engine().plan(snapshot());
  }

  /** A host and what its agent reports. */
  public final class Host {
    final String name;
    Map<String, String> labels = new HashMap<>();
    Resources capacity = Resources.of(16_000, 65_536);
    boolean unschedulable;
    boolean maintenance;
    boolean deleting;
    SpmPriority spmPriority = SpmPriority.Normal;
    Instant lastHeartbeatSeen = now;
    boolean alive = true;
    boolean storage = true;
    boolean network = true;
    boolean fenced;
    boolean neverReported;
    io.vmha.core.model.AgentSettings settings;
    boolean notSeenRenewing;
    boolean fencingRequested;
    HostPhase recordedPhase;
    io.vmha.core.model.PowerFenceView power;
    Instant freshStartAt;
    final Set<String> reaches = new HashSet<>();
    final Set<String> unreachable = new HashSet<>();
    final List<InstanceReport> extraInstances = new ArrayList<>();

    Host(String name) {
      this.name = name;
    }

    public Host capacity(long cpuMillis, long memoryMiB) {
      capacity = Resources.of(cpuMillis, memoryMiB);
      return this;
    }

    public Host label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public Host cordoned() {
      unschedulable = true;
      return this;
    }

    public Host maintenance(boolean value) {
      maintenance = value;
      return this;
    }

    public Host deleting() {
      deleting = true;
      return this;
    }

    public Host spmPriority(SpmPriority value) {
      spmPriority = value;
      return this;
    }

    /** The agent stops renewing: the last heartbeat the operator saw is {@code ago} back. */
    public Host silentFor(Duration ago) {
      alive = false;
      lastHeartbeatSeen = now.minus(ago);
      return this;
    }

    public Host back() {
      alive = true;
      lastHeartbeatSeen = now;
      return this;
    }

    public Host storageLost(boolean value) {
      storage = !value;
      return this;
    }

    public Host networkLost(boolean value) {
      network = !value;
      return this;
    }

    public Host cannotReach(String repository) {
      unreachable.add(repository);
      return this;
    }

    public Host fencingRequested(boolean value) {
      fencingRequested = value;
      return this;
    }

    public Host fenced(boolean value) {
      fenced = value;
      return this;
    }

    /** The host has power management; nothing fenced yet. */
    public Host powerManaged() {
      power = io.vmha.core.model.PowerFenceView.IDLE;
      return this;
    }

    /** The host's last power fence: {@code state}, begun {@code ago} back. */
    public Host powerFence(io.vmha.core.model.PowerFenceView.State state, Duration ago) {
      power = new io.vmha.core.model.PowerFenceView(state, now.minus(ago), state + " (test)");
      return this;
    }

    /** The operator has not seen this host renew since it started (a new leader). */
    public Host notSeenRenewing() {
      notSeenRenewing = true;
      return this;
    }

    /** The settings the host's agent reports it runs (R6); none by default. */
    public Host agentSettings(io.vmha.core.model.AgentSettings value) {
      settings = value;
      return this;
    }

    /** Its agent started afresh (a new run, or a self-fence) at {@code at}. */
    public Host startedAfreshAt(Instant at) {
      freshStartAt = at;
      return this;
    }

    public Host neverReported() {
      neverReported = true;
      return this;
    }

    public Host runsUntracked(
        String vmKey, String instanceName, InstanceState state, Resources resources) {
      extraInstances.add(new InstanceReport(instanceName, vmKey, state, resources, null));
      return this;
    }

    public Host clearUntracked() {
      extraInstances.clear();
      return this;
    }
  }

  public static final class Template {
    final String namespace;
    final String name;
    String repository;
    Resources resources = Resources.of(1000, 2048);
    boolean guestAgent;
    boolean ha = true;
    Priority priority = Priority.Medium;
    long counter;
    io.vmha.core.model.VmAffinity affinity;
    io.vmha.core.model.StartReadiness readiness;

    Template(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
    }

    public Template repository(String value) {
      repository = value;
      return this;
    }

    public Template resources(long cpuMillis, long memoryMiB) {
      resources = Resources.of(cpuMillis, memoryMiB);
      return this;
    }

    public Template guestAgent() {
      guestAgent = true;
      return this;
    }

    public Template counter(long value) {
      counter = value;
      return this;
    }

    public Template readiness(io.vmha.core.model.StartReadiness value) {
      readiness = value;
      return this;
    }

    public Template affinity(io.vmha.core.model.VmAffinity value) {
      affinity = value;
      return this;
    }

    public Template ha(boolean value) {
      ha = value;
      return this;
    }

    TemplateView view() {
      return new TemplateView(
          namespace,
          name,
          repository,
          "images/" + name + ".qcow2",
          resources,
          guestAgent,
          ha,
          priority,
          counter,
          affinity,
          readiness);
    }
  }

  /** A VM with its recorded status; placed VMs are reported by their host unless told not. */
  public final class Vm {
    final String key;
    final String namespace;
    final String name;
    String templateRef;
    String imageRepository;
    Long cpu;
    Long memory;
    boolean running = true;
    Boolean ha;
    Priority priority;
    Boolean guestAgent;
    Map<String, String> selector = Map.of();
    Map<String, String> labels = Map.of();
    io.vmha.core.model.VmAffinity affinity;
    io.vmha.core.model.StartReadiness readiness;
    List<String> startAfter = List.of();
    Boolean guestAgentAnswers;
    boolean deleting;
    String invalid;
    Instant guestSeen;
    VmPhase phase;
    String host;
    String instanceName;
    String migrationTarget;
    List<StaleInstance> stale = new ArrayList<>();
    List<RestartAttempt> attempts = new ArrayList<>();
    Instant backoffUntil;
    int failoverCount;
    String reason;
    String message;
    boolean reported = true;
    InstanceState reportedState;
    io.vmha.core.model.MigrationFailure migrationFailure;
    String sendingTo;
    Instant phaseSince;

    Vm(String key) {
      this.key = key;
      this.namespace = key.substring(0, key.indexOf('/'));
      this.name = key.substring(key.indexOf('/') + 1);
    }

    public Vm template(String value) {
      templateRef = value;
      return this;
    }

    public Vm image(String repository) {
      imageRepository = repository;
      return this;
    }

    public Vm resources(long cpuMillis, long memoryMiB) {
      cpu = cpuMillis;
      memory = memoryMiB;
      return this;
    }

    public Vm running(boolean value) {
      running = value;
      return this;
    }

    public Vm ha(boolean value) {
      ha = value;
      return this;
    }

    public Vm priority(Priority value) {
      priority = value;
      return this;
    }

    public Vm guestAgent(boolean value) {
      guestAgent = value;
      return this;
    }

    public Vm guestHeartbeatSeen(Instant value) {
      guestSeen = value;
      return this;
    }

    public Vm labels(Map<String, String> value) {
      labels = value;
      return this;
    }

    public Vm readiness(io.vmha.core.model.StartReadiness value) {
      readiness = value;
      return this;
    }

    public Vm startAfter(String... names) {
      startAfter = List.of(names);
      return this;
    }

    /** What its host last heard from its guest agent (null: the host does not ask). */
    public Vm guestAgentAnswers(Boolean value) {
      guestAgentAnswers = value;
      return this;
    }

    public Vm affinity(io.vmha.core.model.VmAffinity value) {
      affinity = value;
      return this;
    }

    public Vm hostSelector(Map<String, String> value) {
      selector = value;
      return this;
    }

    public Vm deleting() {
      deleting = true;
      return this;
    }

    public Vm invalid(String value) {
      invalid = value;
      return this;
    }

    /** Recorded as running on the host, and reported so by the host's agent. */
    public Vm runsOn(String hostName, String instance) {
      phase = VmPhase.Running;
      host = hostName;
      instanceName = instance;
      reported = true;
      return this;
    }

    public Vm phase(VmPhase value) {
      phase = value;
      return this;
    }

    public Vm pending(String lastInstanceName) {
      phase = VmPhase.Pending;
      host = null;
      instanceName = lastInstanceName;
      return this;
    }

    public Vm migratingTo(String target) {
      phase = VmPhase.Migrating;
      migrationTarget = target;
      return this;
    }

    /** Its host's agent reports a live migration of it to {@code target} under way. */
    public Vm sendingTo(String target) {
      sendingTo = target;
      return this;
    }

    /** Its source agent reports the migration to {@code target} failed that often in a row. */
    public Vm migrationFailed(String target, int attempts, String why) {
      migrationFailure = new io.vmha.core.model.MigrationFailure(target, attempts, why);
      return this;
    }

    /** Its status says so since {@code at}. */
    public Vm statusSince(Instant at, String why, String what) {
      phaseSince = at;
      reason = why;
      message = what;
      return this;
    }

    public Vm notReported() {
      reported = false;
      return this;
    }

    public Vm reportedAs(InstanceState state) {
      reportedState = state;
      return this;
    }

    public Vm stale(String hostName, String instance) {
      stale.add(new StaleInstance(hostName, instance));
      return this;
    }

    public Vm attempt(String hostName, Instant at, String why) {
      attempts.add(new RestartAttempt(hostName, at, why));
      return this;
    }

    public Vm backoffUntil(Instant value) {
      backoffUntil = value;
      return this;
    }

    public Vm reasonRecorded(String reasonValue, String messageValue) {
      reason = reasonValue;
      message = messageValue;
      return this;
    }

    Resources resources() {
      Template template = templateRef == null ? null : templates.get(namespace + "/" + templateRef);
      Resources base = template == null ? Resources.ZERO : template.resources;
      return Resources.of(
          cpu != null ? cpu : base.cpuMillis(), memory != null ? memory : base.memoryMiB());
    }

    InstanceState reportedState() {
      if (reportedState != null) {
        return reportedState;
      }
      return phase == VmPhase.Paused
          ? InstanceState.Paused
          : phase == VmPhase.Starting ? InstanceState.Starting : InstanceState.Running;
    }

    VmView view() {
      return new VmView(
          namespace,
          name,
          templateRef,
          imageRepository,
          imageRepository == null ? null : "disk.qcow2",
          cpu,
          memory,
          running,
          ha,
          priority,
          guestAgent,
          selector,
          labels,
          affinity,
          readiness,
          startAfter,
          deleting,
          invalid,
          guestSeen,
          new VmStatusView(
              phase,
              host,
              instanceName,
              migrationTarget,
              stale,
              attempts,
              backoffUntil,
              failoverCount,
              reason,
              message,
              phaseSince));
    }
  }
}
