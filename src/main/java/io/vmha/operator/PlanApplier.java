package io.vmha.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.FencingStatus;
import io.vmha.api.InstanceToStop;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmHost;
import io.vmha.core.Action;
import io.vmha.core.Plan;
import io.vmha.core.Settings;
import io.vmha.core.health.HostHealth;
import io.vmha.core.model.HostView;
import io.vmha.core.vm.StartDependencies;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  private final EventQueue events;
  private final FleetMetrics metrics;
  private final ExecutorService writers;
  private final TemplateCounters templateCounters;
  private final SpmLeaseWriter spmLease;
  private final PowerFencer powerFencer;

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

  private final HostStatusWriter hostStatus;
  private final VmStatusWriter vmStatus;

  PlanApplier(
      KubernetesClient client,
      OwnWrites ownWrites,
      EventQueue events,
      FleetMetrics metrics,
      HeartbeatTracker heartbeats,
      Settings settings,
      String leaseNamespace,
      ExecutorService writers,
      PowerFencer powerFencer) {
    this.events = events;
    this.powerFencer = powerFencer;
    this.metrics = metrics;
    this.writers = writers;
    this.templateCounters = new TemplateCounters(client, ownWrites, metrics);
    this.spmLease =
        new SpmLeaseWriter(client, ownWrites, metrics, heartbeats, settings, leaseNamespace);
    this.hostStatus = new HostStatusWriter(client, ownWrites, events, settings);
    this.vmStatus = new VmStatusWriter(client, ownWrites, events, metrics, settings);
  }

  /**
   * Writes a plan in the order its safety needs: fleet-level writes (template counters, the SPM
   * Lease) as the actions come, then every VM's status, then every host's (the host losing the SPM
   * flag before the one gaining it), and the self-fence acknowledgements only once all of those
   * landed.
   */
  Outcome apply(Plan plan, SnapshotBuilder.Result built, Instant now) {
    hostStatus.startPlan();
    PlanWrite write = new PlanWrite(built, plan, now);
    plan.actions().forEach(write::sort);
    if (write.movesVms()) {
      hostStatus.vmsMoving(now); // a VM changes place or phase: a burst is going on
    }
    List<CompletableFuture<Void>> pending = write.vms();
    pending.addAll(write.hosts(plan.hosts()));
    joinAll(pending, write.retry);
    if (!write.retry.get()) {
      write.writes.addAndGet(acknowledgeSelfFences(write.sources.hosts().values()));
    }
    return new Outcome(
        write.retry.get(),
        write.writes.get(),
        write.removableVms,
        write.removableHosts,
        hostStatus.refreshAt());
  }

  /** One plan's writes: what its actions ask of each VM and host, gathered, then written. */
  private final class PlanWrite {
    final SnapshotBuilder.Sources sources;
    final Instant now;
    final AtomicBoolean retry = new AtomicBoolean();
    final AtomicInteger writes = new AtomicInteger();
    final Set<String> removableVms = new HashSet<>();
    final Set<String> removableHosts = new HashSet<>();
    final Set<String> refusedTemplates = new HashSet<>();
    final Map<String, FencingStatus> fencing = new HashMap<>();
    final Set<String> fencingCleared = new HashSet<>();
    final Set<String> spmReleases = new HashSet<>();
    final Map<String, List<InstanceToStop>> stops = new HashMap<>();
    final Map<String, List<Action>> vmActions = new LinkedHashMap<>();
    final Map<String, List<Action.DrainGaveUp>> drainsGivenUp = new HashMap<>();
    final Map<String, HostView> hostViews = new HashMap<>();

    /** "host vm instance" → what that host last heard from that instance's guest agent. */
    final Map<String, Boolean> guestAgents = new HashMap<>();

    /** VMs whose startAfter list the engine ignores, with why (O1). */
    final Map<String, StartDependencies.Refusal> startOrderRefusals;

    /** "host vm instance" → that host's report of the instance, where it reset the guest (M1). */
    final Map<String, io.vmha.api.InstanceReport> monitored = new HashMap<>();

    PlanWrite(SnapshotBuilder.Result built, Plan plan, Instant now) {
      this.sources = built.sources();
      this.now = now;
      built.snapshot().hosts().forEach(h -> hostViews.put(h.name(), h));
      startOrderRefusals = plan.startOrderRefusals();
      // read once per plan: every VM is looked up, twice
      for (VmHost host : sources.hosts().values()) {
        var reported = host.getStatus() == null ? null : host.getStatus().getReported();
        if (reported == null || reported.getInstances() == null) {
          continue;
        }
        for (io.vmha.api.InstanceReport instance : reported.getInstances()) {
          if (instance.getVm() != null && instance.getGuestAgent() != null) {
            guestAgents.putIfAbsent(
                guestAgentKey(host.getMetadata().getName(), instance.getVm(), instance.getName()),
                instance.getGuestAgent());
          }
          if (instance.getVm() != null
              && (instance.getGuestResets() != null || instance.getGuestLeftAlone() != null)) {
            monitored.putIfAbsent(
                guestAgentKey(host.getMetadata().getName(), instance.getVm(), instance.getName()),
                instance);
          }
        }
      }
    }

    private static String guestAgentKey(String host, String vm, String instance) {
      return host + " " + vm + " " + instance;
    }

    /** Writes a fleet-level action now; gathers the others by the VM or host they concern. */
    void sort(Action action) {
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
      } else if (action instanceof Action.PowerFence fence) {
        VmHost host = sources.hosts().get(fence.host());
        if (host != null) {
          powerFencer.fence(host, fence.reason());
        }
      } else if (action instanceof Action.ClearPowerFence clear) {
        VmHost host = sources.hosts().get(clear.host());
        if (host != null) {
          powerFencer.clear(host);
        }
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
        everyHostEvent(EventRecorder.Type.Warning, "FailoverFrozen", freeze.message());
      } else if (action instanceof Action.UnfreezeFailover unfreeze) {
        everyHostEvent(EventRecorder.Type.Normal, "FailoverResumed", unfreeze.message());
      } else if (action instanceof Action.DrainGaveUp gaveUp) {
        drainsGivenUp.computeIfAbsent(gaveUp.vm(), k -> new ArrayList<>()).add(gaveUp);
      } else if (action instanceof Action.VmStatusAction vmAction) {
        vmActions.computeIfAbsent(vmAction.vm(), k -> new ArrayList<>()).add(action);
      }
    }

    private void everyHostEvent(EventRecorder.Type type, String reason, String message) {
      sources.hosts().values().forEach(h -> hostEvent(h, type, reason, message, now));
    }

    boolean movesVms() {
      return vmActions.values().stream()
          .flatMap(List::stream)
          .anyMatch(a -> !(a instanceof Action.KeepPending || a instanceof Action.LeaveAlone));
    }

    /** The status writes of the VMs the plan concerns, and of those whose spec changed. */
    List<CompletableFuture<Void>> vms() {
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      Set<String> vmKeys = new java.util.LinkedHashSet<>(vmActions.keySet());
      sources
          .vms()
          .forEach(
              (key, vm) -> {
                if (VmStatusWriter.dueWithoutAction(
                    vm, guestAgent(vm), startOrderRefusals.get(key), heard(vm))) {
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
                        () -> {
                          writes.addAndGet(
                              vmStatus.write(
                                  vm,
                                  actions,
                                  refusedTemplates,
                                  sources.templates(),
                                  hostViews,
                                  guestAgent(vm),
                                  startOrderRefusals.get(key),
                                  heard(vm),
                                  now));
                          drainGaveUpEvents(key);
                        }),
                writers));
      }
      return pending;
    }

    /**
     * Only once the VM's abort is written: a plan retried after a conflict gives up again, and the
     * host would say so twice.
     */
    private void drainGaveUpEvents(String vm) {
      for (Action.DrainGaveUp gaveUp : drainsGivenUp.getOrDefault(vm, List.of())) {
        hostEvent(
            sources.hosts().get(gaveUp.host()),
            EventRecorder.Type.Warning,
            Action.DrainGaveUp.REASON,
            gaveUp.message(),
            now);
      }
    }

    /** What the host running {@code vm}'s instance last heard from its guest agent, if it asks. */
    Boolean guestAgent(VirtualMachine vm) {
      return guestAgents.get(placedKey(vm));
    }

    /** The report of {@code vm}'s instance by its host, where that host reset its guest (M1). */
    io.vmha.api.InstanceReport heard(VirtualMachine vm) {
      return monitored.get(placedKey(vm));
    }

    private static String placedKey(VirtualMachine vm) {
      VirtualMachineStatus status = vm.getStatus();
      return status == null || status.getHost() == null
          ? null
          : guestAgentKey(
              status.getHost(),
              vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName(),
              status.getInstanceName());
    }

    /**
     * The hosts' status writes. A host that loses the SPM flag is written, and waited for, before
     * the one that gains it: VmHost.status.spm never shows two Storage Pool Managers, not even
     * between two writes of one plan.
     */
    List<CompletableFuture<Void>> hosts(List<HostHealth> healths) {
      List<CompletableFuture<Void>> spmCleared = new ArrayList<>();
      for (HostHealth health : healths) {
        VmHost host = sources.hosts().get(health.host());
        if (host != null && !health.spm() && hadSpm(host)) {
          spmCleared.add(write(host, health));
        }
      }
      joinAll(spmCleared, retry);
      boolean spmClearedFailed = retry.get();
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      for (HostHealth health : healths) {
        VmHost host = sources.hosts().get(health.host());
        if (host == null
            || (!health.spm() && hadSpm(host))
            || (health.spm() && !hadSpm(host) && spmClearedFailed)) {
          continue; // written above; or the old holder still shows the flag: the next plan sets it
        }
        pending.add(write(host, health));
      }
      return pending;
    }

    private CompletableFuture<Void> write(VmHost host, HostHealth health) {
      return writeHostAsync(
          host, health, fencing, fencingCleared, spmReleases, stops, hostViews, writes, now);
    }
  }

  private static boolean hadSpm(VmHost host) {
    return host.getStatus() != null && Boolean.TRUE.equals(host.getStatus().getSpm());
  }

  /**
   * R7: a host whose agent reports a self-fence this plan has seen gets it acknowledged, after
   * every VM write of the plan landed: the agent, which starts nothing until then, reads its
   * placement afresh and finds only what the operator decided knowing the host had fenced.
   */
  private int acknowledgeSelfFences(java.util.Collection<VmHost> hosts) {
    int written = 0;
    for (VmHost host : hosts) {
      try {
        if (hostStatus.acknowledgeSelfFence(host)) {
          written++;
        }
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        log.warn(
            "could not acknowledge the self-fence of host {}: {}",
            host.getMetadata().getName(),
            e.getMessage());
      }
    }
    return written;
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
          if (hostStatus.write(
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

  private void hostEvent(
      VmHost host, EventRecorder.Type type, String reason, String note, Instant now) {
    events.record(host, type, reason, "Judge", note, now);
  }
}
