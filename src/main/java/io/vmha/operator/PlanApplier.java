package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.FencingStatus;
import io.vmha.api.InstanceToStop;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostStatus;
import io.vmha.api.VmTemplate;
import io.vmha.core.Action;
import io.vmha.core.PlaceCause;
import io.vmha.core.Plan;
import io.vmha.core.Settings;
import io.vmha.core.health.HostHealth;
import io.vmha.core.model.HostView;
import io.vmha.kube.StatusFields;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a plan to the API server. Template counters go first and one by one (optimistic locking:
 * an instance number is never handed out twice); then each VM and each host gets at most one status
 * write, in parallel; the plan's Events are queued behind them. The operator writes only its own
 * status fields, its Leases and Events: never spec, never a VM's metadata (agents find their VMs by
 * the selectable field {@code status.host}).
 */
final class PlanApplier {
  private static final Logger log = LoggerFactory.getLogger(PlanApplier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final EventQueue events;
  private final FleetMetrics metrics;
  private final HeartbeatTracker heartbeats;
  private final Settings settings;
  private final String leaseNamespace;
  private final ExecutorService writers;
  private final TemplateCounters templateCounters;
  private final SpmLeaseWriter spmLease;

  /**
   * @param refreshAt when host bookkeeping held back by this plan falls due (plan again then), or
   *     null
   */
  record Outcome(
      boolean retryNow,
      int writes,
      Set<String> removableVms,
      Set<String> removableHosts,
      Instant refreshAt) {}

  /**
   * A change of a host's bookkeeping alone ({@code allocated}, {@code vmCount}) waits at least this
   * long, and until VM statuses have not been written for {@link #HOST_BOOKKEEPING_QUIET}, but
   * never longer than {@link #HOST_BOOKKEEPING_MAX_DELAY}. A failover spreads a host's VMs over
   * many hosts; rewriting each receiving host's counts at once doubled the failover's writes and
   * held up the plan that records the VMs as Running. Held back, the counts of a burst go out in
   * one write per host once it is over. They ride along at once with any other change of the host.
   * (Nothing decides by them: the engine counts capacity from the VMs themselves.)
   */
  static final Duration HOST_BOOKKEEPING_DELAY = Duration.ofSeconds(5);

  static final Duration HOST_BOOKKEEPING_QUIET = Duration.ofSeconds(2);
  static final Duration HOST_BOOKKEEPING_MAX_DELAY = Duration.ofSeconds(30);

  /** The last plan that wrote VM statuses: a burst is over when this is old enough. */
  private volatile Instant lastVmWrites = Instant.MIN;

  /** Since when each host's written bookkeeping has differed from the plan's. */
  private final Map<String, Instant> bookkeepingStale =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The earliest held-back bookkeeping write of the plan being applied. */
  private final java.util.concurrent.atomic.AtomicReference<Instant> refreshAt =
      new java.util.concurrent.atomic.AtomicReference<>();

  PlanApplier(
      KubernetesClient client,
      OwnWrites ownWrites,
      EventQueue events,
      FleetMetrics metrics,
      HeartbeatTracker heartbeats,
      Settings settings,
      String leaseNamespace,
      ExecutorService writers) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.events = events;
    this.metrics = metrics;
    this.heartbeats = heartbeats;
    this.settings = settings;
    this.leaseNamespace = leaseNamespace;
    this.writers = writers;
    this.templateCounters = new TemplateCounters(client, ownWrites, metrics);
    this.spmLease =
        new SpmLeaseWriter(client, ownWrites, metrics, heartbeats, settings, leaseNamespace);
  }

  Outcome apply(Plan plan, SnapshotBuilder.Result built, Instant now) {
    refreshAt.set(null);
    var sources = built.sources();
    AtomicBoolean retry = new AtomicBoolean();
    AtomicInteger writes = new AtomicInteger();
    Set<String> removableVms = new HashSet<>();
    Set<String> removableHosts = new HashSet<>();
    Set<String> refusedTemplates = new HashSet<>();
    Map<String, FencingStatus> fencing = new HashMap<>();
    Set<String> fencingCleared = new HashSet<>();
    Set<String> spmReleases = new HashSet<>();
    Map<String, List<InstanceToStop>> stops = new HashMap<>();
    Map<String, List<Action>> vmActions = new LinkedHashMap<>();

    for (Action action : plan.actions()) {
      if (action instanceof Action.AdvanceTemplateCounter counter) {
        writes.incrementAndGet();
        if (!templateCounters.advance(sources.templates().get(counter.template()), counter)) {
          refusedTemplates.add(counter.template());
          retry.set(true);
        }
      } else if (action instanceof Action.StopInstance stop) {
        stops
            .computeIfAbsent(stop.host(), h -> new ArrayList<>())
            .add(new InstanceToStop(stop.instanceName(), stop.vm(), stop.reason().name()));
      } else if (action instanceof Action.RemoveVm remove) {
        removableVms.add(remove.vm());
      } else if (action instanceof Action.RemoveHost remove) {
        removableHosts.add(remove.host());
      } else if (action instanceof Action.RequestFencing request) {
        FencingStatus status = new FencingStatus();
        status.setRequested(true);
        status.setReason(request.reason());
        status.setRequestedAt(Timestamps.format(now));
        fencing.put(request.host(), status);
        hostEvent(
            sources.hosts().get(request.host()),
            EventRecorder.Type.Warning,
            "FencingRequested",
            "host " + request.host() + " must fence itself: " + request.reason(),
            now);
      } else if (action instanceof Action.ClearFencing clear) {
        fencingCleared.add(clear.host());
        hostEvent(
            sources.hosts().get(clear.host()),
            EventRecorder.Type.Normal,
            "FencingCleared",
            "host " + clear.host() + " fenced itself and reaches storage and network again",
            now);
      } else if (action instanceof Action.AssignSpm assign) {
        writes.incrementAndGet();
        if (spmLease.assign(sources.spmLease(), assign.host(), now)) {
          metrics.spmTransition();
          hostEvent(
              sources.hosts().get(assign.host()),
              EventRecorder.Type.Normal,
              "SpmAssigned",
              "host " + assign.host() + " is the Storage Pool Manager now",
              now);
        } else {
          retry.set(true);
        }
      } else if (action instanceof Action.ReleaseSpm release) {
        // A standing order: only the holder's agent clears the Lease, once it stopped acting as
        // SPM, so a holder cut off from us can never overlap with its successor.
        spmReleases.add(release.host());
      } else if (action instanceof Action.FreezeFailover freeze) {
        sources
            .hosts()
            .values()
            .forEach(
                h ->
                    hostEvent(
                        h, EventRecorder.Type.Warning, "FailoverFrozen", freeze.message(), now));
      } else if (action instanceof Action.UnfreezeFailover unfreeze) {
        sources
            .hosts()
            .values()
            .forEach(
                h ->
                    hostEvent(
                        h, EventRecorder.Type.Normal, "FailoverResumed", unfreeze.message(), now));
      } else {
        String vm = vmOf(action);
        if (vm != null) {
          vmActions.computeIfAbsent(vm, k -> new ArrayList<>()).add(action);
        }
      }
    }

    boolean moves =
        vmActions.values().stream()
            .flatMap(List::stream)
            .anyMatch(a -> !(a instanceof Action.KeepPending || a instanceof Action.LeaveAlone));
    if (moves) {
      lastVmWrites = now; // a VM changes place or phase: a burst is going on
    }
    Map<String, HostView> hostViews = new HashMap<>();
    built.snapshot().hosts().forEach(h -> hostViews.put(h.name(), h));
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    Set<String> vmKeys = new java.util.LinkedHashSet<>(vmActions.keySet());
    sources
        .vms()
        .forEach(
            (key, vm) -> {
              if (!Objects.equals(vm.getMetadata().getGeneration(), observedGeneration(vm))) {
                vmKeys.add(key);
              }
            });
    for (String key : vmKeys) {
      VirtualMachine vm = sources.vms().get(key);
      if (vm == null) {
        continue;
      }
      List<Action> actions = vmActions.getOrDefault(key, List.of());
      pending.add(
          CompletableFuture.runAsync(
              () ->
                  conflictsRetry(
                      retry,
                      () ->
                          writes.addAndGet(
                              writeVm(
                                  vm,
                                  actions,
                                  refusedTemplates,
                                  sources.templates(),
                                  hostViews,
                                  now))),
              writers));
    }
    // A host that loses the SPM flag is written before the one that gains it: VmHost.status.spm
    // never shows two Storage Pool Managers, not even between two writes of one plan.
    List<CompletableFuture<Void>> spmCleared = new ArrayList<>();
    for (HostHealth health : plan.hosts()) {
      VmHost host = sources.hosts().get(health.host());
      if (host != null
          && !health.spm()
          && host.getStatus() != null
          && Boolean.TRUE.equals(host.getStatus().getSpm())) {
        spmCleared.add(
            writeHostAsync(
                host, health, fencing, fencingCleared, spmReleases, stops, hostViews, writes, now));
      }
    }
    joinAll(spmCleared, retry);
    boolean spmClearedFailed = retry.get();
    for (HostHealth health : plan.hosts()) {
      VmHost host = sources.hosts().get(health.host());
      boolean hadSpm =
          host != null
              && host.getStatus() != null
              && Boolean.TRUE.equals(host.getStatus().getSpm());
      if (host == null
          || (!health.spm() && hadSpm)
          || (health.spm() && !hadSpm && spmClearedFailed)) {
        continue; // written above; or the old holder still shows the flag: the next plan sets it
      }
      pending.add(
          writeHostAsync(
              host, health, fencing, fencingCleared, spmReleases, stops, hostViews, writes, now));
    }
    joinAll(pending, retry);
    return new Outcome(retry.get(), writes.get(), removableVms, removableHosts, refreshAt.get());
  }

  private CompletableFuture<Void> writeHostAsync(
      VmHost host,
      HostHealth health,
      Map<String, FencingStatus> fencing,
      Set<String> fencingCleared,
      Set<String> spmReleases,
      Map<String, List<InstanceToStop>> stops,
      Map<String, HostView> hostViews,
      AtomicInteger writes,
      Instant now) {
    List<InstanceToStop> hostStops = stops.getOrDefault(health.host(), List.of());
    FencingStatus fence =
        fencingCleared.contains(health.host())
            ? null
            : fencing.getOrDefault(
                health.host(), host.getStatus() == null ? null : host.getStatus().getFencing());
    return CompletableFuture.runAsync(
        () -> {
          boolean release = spmReleases.contains(health.host());
          if (writeHost(
              host, health, fence, release, hostStops, hostViews.get(health.host()), now)) {
            writes.incrementAndGet();
          }
        },
        writers);
  }

  private static void joinAll(List<CompletableFuture<Void>> pending, AtomicBoolean retry) {
    for (CompletableFuture<Void> f : pending) {
      try {
        f.join();
      } catch (RuntimeException e) {
        log.warn("a write failed, planning again: {}", e.getMessage());
        retry.set(true);
      }
    }
  }

  /** Runs a write; a conflict (409) or a vanished object (404) means: plan again. */
  private void conflictsRetry(AtomicBoolean retry, Runnable write) {
    try {
      write.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        metrics.conflict();
        retry.set(true);
      } else {
        throw e;
      }
    }
  }

  /** Writes a VM's status if the plan changes it and queues its events; returns the writes made. */
  private int writeVm(
      VirtualMachine current,
      List<Action> actions,
      Set<String> refusedTemplates,
      Map<String, VmTemplate> templates,
      Map<String, HostView> hosts,
      Instant now) {
    VirtualMachine vm = client.getKubernetesSerialization().clone(current);
    VirtualMachineStatus status =
        vm.getStatus() == null ? new VirtualMachineStatus() : vm.getStatus();
    vm.setStatus(status);
    List<VmStatusUpdate.Notice> notices = new ArrayList<>();
    for (Action action : actions) {
      if (action instanceof Action.PlaceVm place
          && place.template() != null
          && refusedTemplates.contains(place.template())) {
        break; // the counter moved under us: this name may not be ours, plan again
      }
      String previousHost = status.getHost();
      VmStatusUpdate.Notice notice =
          VmStatusUpdate.apply(status, action, now, settings.restartWindow());
      if (notice != null) {
        notices.add(notice);
      }
      if (action instanceof Action.PlaceVm place) {
        status.setAppliedResources(
            VmResources.desired(
                vm, templates.get(vm.getMetadata().getNamespace() + "/" + templateName(vm))));
        if (place.cause() == PlaceCause.Failover) {
          HostView lost = previousHost == null ? null : hosts.get(previousHost);
          metrics.failover(
              lost == null
                  ? null
                  : Duration.between(
                      lost.lastHeartbeatSeen().plus(settings.hostGracePeriod()), now));
        }
      } else if (action instanceof Action.CompleteMigration) {
        metrics.migration();
      }
    }
    status.setObservedGeneration(vm.getMetadata().getGeneration());
    status.setConditions(
        VmResources.conditions(
            vm, templates.get(vm.getMetadata().getNamespace() + "/" + templateName(vm)), now));
    int writes = 0;
    if (!JSON.valueToTree(status)
        .equals(
            JSON.valueToTree(
                current.getStatus() == null ? new VirtualMachineStatus() : current.getStatus()))) {
      VirtualMachine written = updateStatus(vm, current);
      ownWrites.record(written);
      writes++;
      vm = written;
    }
    for (VmStatusUpdate.Notice notice : notices) {
      events.record(vm, notice.type(), notice.reason(), "Place", notice.note(), now);
    }
    return writes;
  }

  /**
   * Writes the status with optimistic locking. A conflict caused by a metadata-only change (the
   * framework adding its finalizer to a new VM, a user's label) must not cost the instance number
   * this plan reserved: if the status we planned from is still the status there, write again.
   */
  private VirtualMachine updateStatus(VirtualMachine desired, VirtualMachine planned) {
    try {
      return client.resource(desired).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      VirtualMachine fresh =
          client
              .resources(VirtualMachine.class)
              .inNamespace(desired.getMetadata().getNamespace())
              .withName(desired.getMetadata().getName())
              .get();
      if (fresh == null
          || !JSON.valueToTree(
                  fresh.getStatus() == null ? new VirtualMachineStatus() : fresh.getStatus())
              .equals(
                  JSON.valueToTree(
                      planned.getStatus() == null
                          ? new VirtualMachineStatus()
                          : planned.getStatus()))) {
        throw e;
      }
      desired.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
      return client.resource(desired).updateStatus();
    }
  }

  private boolean writeHost(
      VmHost host,
      HostHealth health,
      FencingStatus fencing,
      boolean spmRelease,
      List<InstanceToStop> stops,
      HostView view,
      Instant now) {
    VmHostStatus current = host.getStatus() == null ? new VmHostStatus() : host.getStatus();
    List<io.vmha.api.Condition> conditions =
        Conditions.merge(
            current.getConditions(),
            health.conditions().stream()
                .map(
                    c ->
                        new Conditions.Desired(
                            c.type(), c.status().name(), c.reason(), hostConditionMessage(c)))
                .toList(),
            now,
            host.getMetadata().getGeneration());
    List<InstanceToStop> sortedStops = new ArrayList<>(stops);
    sortedStops.sort(Comparator.comparing(InstanceToStop::getName));
    io.vmha.api.Resources allocated =
        new io.vmha.api.Resources(
            (int) ((health.allocated().cpuMillis() + 999) / 1000), health.allocated().memoryMiB());
    boolean bookkeepingSame =
        JSON.valueToTree(allocated)
                .equals(
                    JSON.valueToTree(
                        current.getAllocated() == null
                            ? new io.vmha.api.Resources()
                            : current.getAllocated()))
            && Objects.equals(health.vmCount(), current.getVmCount());
    boolean stateSame =
        health.phase().name().equals(current.getPhase())
            && !Conditions.differ(current.getConditions(), conditions)
            && Objects.equals(host.getMetadata().getGeneration(), current.getObservedGeneration())
            && Objects.equals(health.spm(), current.getSpm())
            && spmRelease == Boolean.TRUE.equals(current.getSpmReleaseRequested())
            && JSON.valueToTree(fencing == null ? JSON.nullNode() : fencing)
                .equals(
                    JSON.valueToTree(
                        current.getFencing() == null ? JSON.nullNode() : current.getFencing()))
            && JSON.valueToTree(sortedStops)
                .equals(
                    JSON.valueToTree(
                        current.getInstancesToStop() == null
                            ? List.of()
                            : current.getInstancesToStop()));
    String name = host.getMetadata().getName();
    if (stateSame && bookkeepingSame) {
      bookkeepingStale.remove(name);
      return false;
    }
    if (stateSame) {
      Instant stale = bookkeepingStale.computeIfAbsent(name, h -> now);
      Instant due = stale.plus(HOST_BOOKKEEPING_DELAY);
      Instant quiet = lastVmWrites.plus(HOST_BOOKKEEPING_QUIET);
      due = quiet.isAfter(due) ? quiet : due;
      Instant latest = stale.plus(HOST_BOOKKEEPING_MAX_DELAY);
      due = due.isAfter(latest) ? latest : due;
      if (now.isBefore(due)) {
        refreshAt.accumulateAndGet(due, (a, b) -> a == null || b.isBefore(a) ? b : a);
        return false;
      }
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("phase", health.phase().name());
    fields.put("conditions", conditions);
    fields.put("observedGeneration", host.getMetadata().getGeneration());
    fields.put(
        "lastHeartbeatTime", view == null ? null : Timestamps.format(view.lastHeartbeatSeen()));
    fields.put("allocated", allocated);
    fields.put("vmCount", health.vmCount());
    fields.put("spm", health.spm());
    fields.put("spmReleaseRequested", spmRelease ? Boolean.TRUE : null);
    fields.put("fencing", fencing);
    fields.put("instancesToStop", sortedStops.isEmpty() ? null : sortedStops);
    VmHost written =
        StatusFields.write(
            client
                .resources(VmHost.class)
                .withName(host.getMetadata().getName())
                .subresource("status"),
            host.getStatus() != null,
            fields,
            StatusFields.present(host.getStatus()));
    ownWrites.record(written);
    bookkeepingStale.remove(name);
    if (!health.phase().name().equals(current.getPhase()) && current.getPhase() != null) {
      boolean bad =
          health.phase() != io.vmha.core.model.HostPhase.Up
              && health.phase() != io.vmha.core.model.HostPhase.Maintenance;
      hostEvent(
          written,
          bad ? EventRecorder.Type.Warning : EventRecorder.Type.Normal,
          health.phase().name(),
          "host "
              + host.getMetadata().getName()
              + " is "
              + health.phase()
              + " (was "
              + current.getPhase()
              + ")",
          now);
    }
    return true;
  }

  /**
   * The engine's message of an active (not frozen) failover counts the hosts that are lost
   * fleet-wide ("1/1000 hosts are NotResponding or silent ..."); written on every host, that count
   * rewrote every host's status each time one host failed or recovered: 1,000 writes competing with
   * the failover's own at the moment of detection. While failover is active the operator writes a
   * message without the count (it is in {@code vmha_hosts{phase}} and on the lost host itself); a
   * frozen failover keeps the engine's full message.
   */
  private String hostConditionMessage(io.vmha.core.health.Condition condition) {
    if ("FailoverFrozen".equals(condition.type())
        && condition.status() == io.vmha.core.health.ConditionStatus.False) {
      return "failover is active: fewer than "
          + Math.round(settings.maxUnhealthyFraction() * 100)
          + "% of hosts are NotResponding or silent";
    }
    return condition.message();
  }

  private void hostEvent(
      VmHost host, EventRecorder.Type type, String reason, String note, Instant now) {
    events.record(host, type, reason, "Judge", note, now);
  }

  private static Long observedGeneration(VirtualMachine vm) {
    return vm.getStatus() == null ? null : vm.getStatus().getObservedGeneration();
  }

  private static String templateName(VirtualMachine vm) {
    return vm.getSpec().getTemplateRef() == null ? null : vm.getSpec().getTemplateRef().getName();
  }

  private static String vmOf(Action action) {
    if (action instanceof Action.PlaceVm a) return a.vm();
    if (action instanceof Action.MigrateVm a) return a.vm();
    if (action instanceof Action.CompleteMigration a) return a.vm();
    if (action instanceof Action.AbortMigration a) return a.vm();
    if (action instanceof Action.UpdateVmPhase a) return a.vm();
    if (action instanceof Action.KeepPending a) return a.vm();
    if (action instanceof Action.RecordFailedAttempt a) return a.vm();
    if (action instanceof Action.MarkFailed a) return a.vm();
    if (action instanceof Action.LeaveAlone a) return a.vm();
    if (action instanceof Action.RecordStaleInstance a) return a.vm();
    if (action instanceof Action.ClearStaleInstance a) return a.vm();
    if (action instanceof Action.StopVm a) return a.vm();
    return null;
  }
}
