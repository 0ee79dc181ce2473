package io.vmha.core.sim;

import io.vmha.core.Action;
import io.vmha.core.Engine;
import io.vmha.core.Plan;
import io.vmha.core.Settings;
import io.vmha.core.VmStatusTransition;
import io.vmha.core.health.InstanceKey;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.invariant.Violation;
import io.vmha.core.model.AgentReport;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.GuestMonitoring;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.PowerFenceView;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RecordedVmStatus;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.SpmLeaseView;
import io.vmha.core.model.SpmPriority;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.StorageErrorPolicy;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmAffinity;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import io.vmha.core.model.VmView;
import io.vmha.core.vm.GuestStorageGuard;
import io.vmha.core.vm.HungGuestWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A small fleet simulator: hosts with agents (heartbeats, reports, executing placements, migrations
 * and stops, self-fencing), the recorded statuses the operator writes, and the engine in between.
 * Each {@link #step()} moves the clock by one heartbeat interval, lets the agents act, plans,
 * applies the plan like the operator would (VM statuses through the operator's own {@link
 * VmStatusTransition}), and checks the invariants I1, I3, I4, I5 with the {@link InvariantChecker}.
 */
public final class World {
  static final String SHARED = "nfs";

  final Settings settings;
  // a small placement budget, so every sequence also checks that deferred placements (P7) keep
  // the invariants and still settle
  final Engine engine = new Engine(4);
  Instant now = Instant.parse("2025-01-01T00:00:00Z");
  final Map<String, SimHost> hosts = new TreeMap<>();
  final Map<String, SimVm> vms = new TreeMap<>();
  final Map<String, TemplateView> templates = new LinkedHashMap<>();
  final Map<String, Long> counters = new HashMap<>();
  final List<RepositoryView> repositories = new ArrayList<>();
  String spmHolder;
  Instant spmRenewSeen;
  boolean failoverFrozen;
  Instant failoverResumedAt;
  InstanceNameHistory names = InstanceNameHistory.EMPTY; // I5, from one check to the next
  final Set<String> freshNames = new HashSet<>(); // VMs given a counter's name in this step
  final List<String> timeline = new ArrayList<>();
  Plan lastPlan;

  World(Settings settings) {
    this.settings = settings;
    repositories.add(RepositoryView.shared(SHARED));
    templates.put(
        "default/sles10template",
        new TemplateView(
            "default",
            "sles10template",
            SHARED,
            "sles.qcow2",
            Resources.of(1000, 1024),
            false,
            true,
            Priority.Medium,
            0,
            null,
            null));
    counters.put("default/sles10template", 0L);
  }

  // ---------------------------------------------------------------- the simulated fleet

  static final class SimHost {
    final String name;
    final Resources capacity;
    boolean exists = true;
    boolean powered = true;
    boolean agentAlive = true;
    boolean reachable = true;
    boolean storage = true;
    boolean network = true;
    boolean maintenance;
    boolean cordoned;
    Instant lastPet;
    Instant lastRenew;
    Instant spmRenew;
    boolean actingSpm;
    boolean fenced;

    /** When the agent last started afresh: its process started, or it fenced itself (F7). */
    Instant freshStartAt;

    final Map<InstanceKey, InstanceReport> instances = new LinkedHashMap<>();

    /**
     * Instances the agent paused for a storage loss: since when (for storage-error policy Kill).
     */
    final Map<InstanceKey, Instant> pausedSince = new HashMap<>();

    /** M1: guests that hung (their guest agent silent since), until reset or gone. */
    final Map<InstanceKey, Instant> hungSince = new HashMap<>();

    /** M1: when the agent saw each guest start running, and when it reset each. */
    final Map<InstanceKey, Instant> runningSince = new HashMap<>();

    final Map<InstanceKey, List<Instant>> resets = new HashMap<>();

    /** PF: the host's BMC, null if it has none; and the operator's record of its last fence. */
    Bmc bmc;

    PowerFenceView power;
    boolean confirmNextStep;

    // operator-side records
    Instant heartbeatSeen;
    AgentReport report;
    HostPhase recordedPhase;
    boolean fencingRequested;
    boolean spmReleaseRequested;
    Set<InstanceKey> stopList = Set.of();

    SimHost(String name, Resources capacity, Instant now) {
      this.name = name;
      this.capacity = capacity;
      this.lastRenew = now;
      this.lastPet = now;
      this.heartbeatSeen = now;
    }
  }

  /**
   * How a simulated BMC answers a power-off: cuts the power and confirms (at the next step, as the
   * operator polls), cannot be reached (the fence fails, the power stays on), or cuts the power and
   * never says so (the fence never ends).
   */
  enum Bmc {
    Confirms,
    Unreachable,
    NeverConfirms
  }

  static final class SimVm {
    final String key;
    final String template;
    final String repository;
    final Resources resources;
    final boolean ha;
    final Priority priority;
    final boolean guestAgent;

    /** What the agent does with it once paused by a storage loss; an admin may change it. */
    StorageErrorPolicy storageErrorPolicy = StorageErrorPolicy.AutoResume;

    /** Its VM monitoring (M1), null when not enabled; only VMs with a guest agent have it. */
    GuestMonitoring monitoring;

    Map<String, String> labels = Map.of();
    VmAffinity affinity;
    StartReadiness readiness;
    List<String> startAfter = List.of();

    boolean running = true;
    boolean deleting;
    boolean broken;
    Instant guestSeen;
    RecordedVmStatus recorded = RecordedVmStatus.NEW;
    VmStatusView status = recorded.view(); // what the engine reads of it, kept with it

    SimVm(
        String key,
        String template,
        String repository,
        Resources resources,
        boolean ha,
        Priority priority,
        boolean guestAgent) {
      this.key = key;
      this.template = template;
      this.repository = repository;
      this.resources = resources;
      this.ha = ha;
      this.priority = priority;
      this.guestAgent = guestAgent;
    }

    String name() {
      return key.substring(key.indexOf('/') + 1);
    }

    VmView view() {
      return new VmView(
          "default",
          name(),
          template,
          template == null ? repository : null,
          "disk",
          template == null ? resources.cpuMillis() : null,
          template == null ? resources.memoryMiB() : null,
          running,
          ha,
          priority,
          guestAgent,
          Map.of(),
          labels,
          affinity,
          readiness,
          startAfter,
          deleting,
          null,
          guestSeen,
          status);
    }
  }

  void addHost(String name, Resources capacity, boolean withLocalRepository) {
    hosts.put(name, new SimHost(name, capacity, now));
    if (withLocalRepository) {
      repositories.add(RepositoryView.local(name + "-disk", name));
    }
  }

  void addVm(
      String name,
      boolean fromTemplate,
      String repository,
      Resources resources,
      boolean ha,
      Priority priority,
      boolean guestAgent) {
    String key = "default/" + name;
    if (!vms.containsKey(key)) {
      vms.put(
          key,
          new SimVm(
              key,
              fromTemplate ? "sles10template" : null,
              repository,
              fromTemplate ? Resources.of(1000, 1024) : resources,
              ha,
              priority,
              guestAgent));
    }
  }

  // ---------------------------------------------------------------- one step

  /** The longest a VM may wait for another to start (O1): the longest timeout in play. */
  Duration longestStartWait() {
    Duration longest = Duration.ZERO;
    for (SimVm vm : vms.values()) {
      if (!vm.startAfter.isEmpty()) {
        longest = StartReadiness.DEFAULT_TIMEOUT;
      }
    }
    for (SimVm vm : vms.values()) {
      if (vm.readiness != null && vm.readiness.timeout().compareTo(longest) > 0) {
        longest = vm.readiness.timeout();
      }
    }
    return longest;
  }

  public void step() {
    now = now.plus(settings.heartbeatInterval());
    confirmPowerFences();
    for (SimHost host : hosts.values()) {
      actAsAgent(host);
    }
    guestsRenew();
    FleetSnapshot snapshot = snapshot();
    lastPlan = engine.plan(snapshot);
    for (var health : lastPlan.hosts()) {
      hosts.get(health.host()).recordedPhase = health.phase();
    }
    apply(lastPlan);
    InvariantChecker.Verdict verdict = InvariantChecker.check(WorldFacts.of(this), names);
    names = verdict.names();
    failOn(verdict.violations());
  }

  /** Fails with the violations and the world's recent timeline. */
  void failOn(List<Violation> violations) {
    if (violations.isEmpty()) {
      return;
    }
    int from = Math.max(0, timeline.size() - 60);
    throw new AssertionError(
        violations.stream().map(Violation::toString).collect(Collectors.joining("; "))
            + "\nlast actions:\n  "
            + String.join("\n  ", timeline.subList(from, timeline.size())));
  }

  /**
   * The agent-side exception to self-fencing (F4): more than maxUnhealthyFraction of all hosts
   * answer that they lost the API server too, and no later than this host did. Counting hosts that
   * lost it later would not do: the operator judges this host first, while they still look healthy,
   * and failover would not be frozen yet.
   */
  private boolean massOutage(SimHost self) {
    long all = hosts.values().stream().filter(h -> h.exists).count();
    long cutBefore =
        hosts.values().stream()
            .filter(h -> h.exists && h.powered && h.agentAlive && !h.reachable)
            .filter(h -> !h.lastRenew.isAfter(self.lastRenew))
            .count();
    return cutBefore > settings.maxUnhealthyFraction() * all;
  }

  private void actAsAgent(SimHost host) {
    if (!host.exists || !host.powered) {
      return;
    }
    if (host.actingSpm && !now.isBefore(host.spmRenew.plus(settings.spmLeaseDuration()))) {
      host.actingSpm = false; // the agent could not renew in time: it stops acting as SPM
    }
    boolean selfFence = settings.fencing() == FencingPolicy.SelfFence;
    if (!host.agentAlive) {
      if (selfFence && !now.isBefore(host.lastPet.plus(settings.selfFenceAfter()))) {
        host.instances.clear(); // the watchdog resets the host
        host.actingSpm = false;
      }
      return;
    }
    boolean fencingDue = !now.isBefore(host.lastRenew.plus(settings.selfFenceAfter()));
    if (host.reachable || (fencingDue && massOutage(host))) {
      // The agent feeds the watchdog only while it has no reason to fence: after renewing, or
      // while a mass outage exempts it from a fence that is due. Not for an outage before its
      // fence is due: one shorter than selfFenceAfter, which the operator's freeze (H5) never
      // counts, would otherwise push a dead agent's reset past the point where the operator
      // fails the host over.
      host.lastPet = now;
    }
    if (!host.reachable) {
      if (selfFence && fencingDue && !massOutage(host)) {
        if (!host.instances.isEmpty()) {
          host.freshStartAt = now;
        }
        host.instances.clear();
        host.actingSpm = false;
      }
      return;
    }
    host.lastRenew = now;
    host.heartbeatSeen = now;
    host.fenced = host.fencingRequested;
    if (host.fenced) {
      host.actingSpm = false;
    }
    host.instances.keySet().removeAll(host.stopList);
    for (SimVm vm : vms.values()) {
      var status = vm.status;
      if (!host.name.equals(status.host())) {
        continue;
      }
      InstanceKey key = new InstanceKey(vm.key, status.instanceName());
      if (status.phase() == VmPhase.Starting && !host.instances.containsKey(key) && host.storage) {
        InstanceState state = vm.broken ? InstanceState.Failed : InstanceState.Running;
        host.instances.put(
            key,
            new InstanceReport(
                status.instanceName(),
                vm.key,
                state,
                vm.resources,
                vm.broken ? "image broken" : null));
      }
      if (status.phase() == VmPhase.Migrating && host.instances.containsKey(key)) {
        SimHost target = hosts.get(status.migrationTarget());
        if (target != null
            && target.exists
            && target.powered
            && target.agentAlive
            && target.reachable) {
          host.instances.remove(key);
          target.instances.put(
              key,
              new InstanceReport(
                  status.instanceName(),
                  vm.key,
                  target.storage ? InstanceState.Running : InstanceState.Paused,
                  vm.resources,
                  null));
        }
      }
    }
    guardStorage(host);
    watchGuests(host);
    if (host.name.equals(spmHolder) && host.spmReleaseRequested) {
      host.actingSpm = false; // stop acting first, then give the lease up
      spmHolder = null;
    } else if (host.name.equals(spmHolder) && !host.fenced && host.storage) {
      spmRenewSeen = now;
      host.spmRenew = now;
      host.actingSpm = true;
    } else if (!host.name.equals(spmHolder)) {
      host.actingSpm = false;
    }
    Set<String> reachable = new HashSet<>();
    if (host.storage) {
      reachable.add(SHARED);
      reachable.add(host.name + "-disk");
    }
    host.report =
        new AgentReport(
            host.storage,
            host.network,
            reachable,
            List.copyOf(host.instances.values()),
            host.fenced,
            null,
            host.freshStartAt);
  }

  /**
   * The agent's storage guard, as the agent decides it ({@link GuestStorageGuard}): pause on a
   * storage loss, then the VM's storage-error policy. A stopped guest is reported Failed, as the
   * agent reports it.
   */
  private void guardStorage(SimHost host) {
    for (var entry : host.instances.entrySet()) {
      InstanceReport instance = entry.getValue();
      boolean paused = instance.state() == InstanceState.Paused;
      if (paused) {
        host.pausedSince.putIfAbsent(entry.getKey(), now);
      }
      SimVm vm = vms.get(instance.vmKey());
      GuestStorageGuard.Step step =
          GuestStorageGuard.decide(
              host.storage,
              instance.state(),
              paused,
              vm == null ? null : vm.storageErrorPolicy,
              // moved away from this host: the agent of the target resumes what arrives paused
              vm != null
                  && vm.status.migrationTarget() != null
                  && host.name.equals(vm.status.host()),
              paused ? Duration.between(host.pausedSince.get(entry.getKey()), now) : Duration.ZERO,
              settings.hostGracePeriod());
      switch (step) {
        case PAUSE -> {
          entry.setValue(withState(instance, InstanceState.Paused));
          host.pausedSince.put(entry.getKey(), now);
        }
        case RESUME -> entry.setValue(withState(instance, InstanceState.Running));
        case STOP ->
            entry.setValue(
                new InstanceReport(
                    instance.instanceName(),
                    instance.vmKey(),
                    InstanceState.Failed,
                    instance.resources(),
                    "stopped as its storageErrorPolicy Kill asks"));
        case NONE -> {
          // nothing to change
        }
      }
    }
    host.pausedSince
        .keySet()
        .removeIf(
            key ->
                !host.instances.containsKey(key)
                    || host.instances.get(key).state() != InstanceState.Paused);
  }

  /**
   * VM monitoring as the agent does it ({@link HungGuestWatch}): a hung guest is reset in place
   * (the same instance, running anew, its hang gone). The reset must stay within maxResets per
   * window, and never touch a guest of a fenced or unhealthy host or one being migrated.
   */
  private void watchGuests(SimHost host) {
    host.runningSince.keySet().retainAll(host.instances.keySet());
    host.hungSince.keySet().retainAll(host.instances.keySet());
    host.resets.keySet().retainAll(host.instances.keySet());
    boolean healthy = !host.fenced && host.storage && host.network;
    for (var entry : host.instances.entrySet()) {
      InstanceKey key = entry.getKey();
      InstanceReport instance = entry.getValue();
      if (instance.state() != InstanceState.Running) {
        host.runningSince.remove(key);
        continue;
      }
      host.runningSince.putIfAbsent(key, now);
      SimVm vm = vms.get(instance.vmKey());
      if (vm == null || vm.monitoring == null) {
        continue;
      }
      boolean migrating = vm.status.migrationTarget() != null;
      List<Instant> known =
          HungGuestWatch.withinWindow(vm.monitoring, host.resets.getOrDefault(key, List.of()), now);
      HungGuestWatch.Verdict verdict =
          HungGuestWatch.judge(
              vm.monitoring,
              healthy,
              instance.state(),
              migrating,
              host.runningSince.get(key),
              host.hungSince.get(key),
              known,
              now);
      if (verdict != HungGuestWatch.Verdict.RESET) {
        continue;
      }
      if (!healthy || migrating || known.size() >= vm.monitoring.maxResets()) {
        failOn(
            List.of(
                new io.vmha.core.invariant.Violation(
                    "M1",
                    vm.key,
                    host.name,
                    "reset while unhealthy, migrating or beyond maxResets")));
      }
      List<Instant> after = new ArrayList<>(known);
      after.add(now);
      host.resets.put(key, after);
      host.hungSince.remove(key);
      host.runningSince.put(key, now);
    }
  }

  /**
   * M1 fault: the guest of {@code vm}'s running instance hangs; the host where it does, or null.
   */
  String hangGuest(SimVm vm) {
    for (SimHost host : hosts.values()) {
      for (var entry : host.instances.entrySet()) {
        if (entry.getValue().vmKey().equals(vm.key)
            && entry.getValue().state() == InstanceState.Running) {
          host.hungSince.putIfAbsent(entry.getKey(), now);
          return host.name;
        }
      }
    }
    return null;
  }

  private static InstanceReport withState(InstanceReport instance, InstanceState state) {
    return new InstanceReport(
        instance.instanceName(), instance.vmKey(), state, instance.resources(), null);
  }

  private void guestsRenew() {
    for (SimHost host : hosts.values()) {
      if (!host.exists || !host.powered || !host.reachable) {
        continue;
      }
      for (var entry : host.instances.entrySet()) {
        InstanceReport instance = entry.getValue();
        SimVm vm = vms.get(instance.vmKey());
        if (vm != null
            && vm.guestAgent
            && instance.state() == InstanceState.Running
            && !host.hungSince.containsKey(entry.getKey())) { // a hung guest renews nothing (M1)
          vm.guestSeen = now;
        }
      }
    }
  }

  FleetSnapshot snapshot() {
    List<HostView> hostViews = new ArrayList<>();
    for (SimHost host : hosts.values()) {
      if (host.exists) {
        hostViews.add(
            new HostView(
                host.name,
                Map.of(),
                host.capacity,
                host.cordoned,
                host.maintenance,
                false,
                SpmPriority.Normal,
                host.heartbeatSeen,
                host.report,
                host.recordedPhase,
                host.fencingRequested,
                true,
                host.bmc == null ? null : host.power));
      }
    }
    List<TemplateView> templateViews = new ArrayList<>();
    templates.forEach(
        (key, t) ->
            templateViews.add(
                new TemplateView(
                    t.namespace(),
                    t.name(),
                    t.repository(),
                    t.path(),
                    t.resources(),
                    t.guestAgent(),
                    t.haEnabled(),
                    t.priority(),
                    counters.get(key),
                    t.affinity(),
                    t.readiness())));
    List<VmView> vmViews = vms.values().stream().map(SimVm::view).toList();
    SpmLeaseView lease =
        spmHolder == null
            ? SpmLeaseView.none()
            : new SpmLeaseView(spmHolder, spmRenewSeen, settings.spmLeaseDuration());
    return new FleetSnapshot(
        now,
        settings,
        hostViews,
        repositories,
        templateViews,
        vmViews,
        lease,
        failoverFrozen,
        failoverResumedAt);
  }

  // ---------------------------------------------------------------- the operator's writes

  private void apply(Plan plan) {
    Map<String, Set<InstanceKey>> stops = new HashMap<>();
    Set<String> releases = new HashSet<>();
    freshNames.clear();
    for (Action action : plan.actions()) {
      timeline.add(now + " " + action);
      if (action instanceof Action.FreezeFailover a) {
        failoverFrozen = true;
      } else if (action instanceof Action.UnfreezeFailover a) {
        failoverFrozen = false;
        failoverResumedAt = now;
      } else if (action instanceof Action.RequestFencing a) {
        hosts.get(a.host()).fencingRequested = true;
      } else if (action instanceof Action.ClearFencing a) {
        hosts.get(a.host()).fencingRequested = false;
      } else if (action instanceof Action.PowerFence a) {
        powerFence(hosts.get(a.host()));
      } else if (action instanceof Action.ClearPowerFence a) {
        hosts.get(a.host()).power = PowerFenceView.IDLE;
      } else if (action instanceof Action.AssignSpm a) {
        spmHolder = a.host();
        spmRenewSeen = now;
      } else if (action instanceof Action.ReleaseSpm a) {
        releases.add(a.host());
      } else if (action instanceof Action.RemoveHost a) {
        hosts.get(a.host()).exists = false;
      } else if (action instanceof Action.AdvanceTemplateCounter a) {
        if (counters.get(a.template()) != a.expected()) {
          throw new AssertionError("template counter moved under the engine: " + a);
        }
        counters.put(a.template(), a.next());
      } else if (action instanceof Action.StopInstance a) {
        stops
            .computeIfAbsent(a.host(), h -> new HashSet<>())
            .add(new InstanceKey(a.vm(), a.instanceName()));
      } else if (action instanceof Action.RemoveVm a) {
        vms.remove(a.vm());
      } else if (action instanceof Action.VmStatusAction a) {
        if (a instanceof Action.PlaceVm place && place.templateCounterAfter() != null) {
          freshNames.add(place.vm());
        }
        update(a);
      }
    }
    for (SimHost host : hosts.values()) {
      host.stopList = stops.getOrDefault(host.name, Set.of());
      host.spmReleaseRequested = releases.contains(host.name);
    }
  }

  /**
   * PF2 as the operator and the host's BMC carry it out. The power is cut at once; the record says
   * PoweredOff only from the next step, after the cut, as a BMC confirms only what happened.
   */
  private void powerFence(SimHost host) {
    if (host.power.state() == PowerFenceView.State.PoweringOff
        && host.power.requestedAt().isAfter(host.heartbeatSeen)) {
      return; // one fence per host at a time, as the operator runs them
    }
    switch (host.bmc) {
      case Unreachable ->
          host.power = new PowerFenceView(PowerFenceView.State.Failed, now, "BMC unreachable");
      case Confirms, NeverConfirms -> {
        cutPower(host);
        host.power = new PowerFenceView(PowerFenceView.State.PoweringOff, now, "");
        if (host.bmc == Bmc.Confirms) {
          host.confirmNextStep = true;
        }
      }
    }
  }

  private static void cutPower(SimHost host) {
    host.powered = false;
    host.agentAlive = false;
    host.instances.clear();
    host.pausedSince.clear();
    host.hungSince.clear();
    host.runningSince.clear();
    host.actingSpm = false;
  }

  private void confirmPowerFences() {
    for (SimHost host : hosts.values()) {
      if (host.confirmNextStep) {
        host.confirmNextStep = false;
        host.power =
            new PowerFenceView(
                PowerFenceView.State.PoweredOff, host.power.requestedAt(), "confirmed");
      }
    }
  }

  /** Records a VM action's status as the operator would: with the same core function. */
  private void update(Action.VmStatusAction action) {
    SimVm vm = vms.get(action.vm());
    if (vm == null) {
      throw new AssertionError("action for a VM that does not exist: " + action.vm());
    }
    vm.recorded =
        VmStatusTransition.apply(vm.recorded, action, now, settings.restartWindow()).status();
    vm.status = vm.recorded.view();
  }

  Duration stepLength() {
    return settings.heartbeatInterval();
  }
}
