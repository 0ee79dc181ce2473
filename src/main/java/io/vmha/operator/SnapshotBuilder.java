package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.vmha.api.AgentReport;
import io.vmha.api.Condition;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RepositoryType;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.SpmLeaseView;
import io.vmha.core.model.SpmPriority;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Reads the caches (with the operator's own unseen writes on top) into the engine's snapshot. */
final class SnapshotBuilder {
  private final FleetCaches caches;
  private final OwnWrites ownWrites;
  private final HeartbeatTracker heartbeats;
  private final Settings settings;
  private final String leaseNamespace;
  private final Instant startedAt;

  /** When this operator applied the end of a freeze; the host conditions say it across restarts. */
  private volatile Instant failoverResumedAt;

  SnapshotBuilder(
      FleetCaches caches,
      OwnWrites ownWrites,
      HeartbeatTracker heartbeats,
      Settings settings,
      String leaseNamespace,
      Instant startedAt) {
    this.caches = caches;
    this.ownWrites = ownWrites;
    this.heartbeats = heartbeats;
    this.settings = settings;
    this.leaseNamespace = leaseNamespace;
    this.startedAt = startedAt;
  }

  void failoverResumed(Instant at) {
    failoverResumedAt = at;
  }

  /** The API objects a snapshot was made from, so actions can be written against them. */
  record Sources(
      Map<String, VmHost> hosts,
      Map<String, StorageRepository> repositories,
      Map<String, VmTemplate> templates,
      Map<String, VirtualMachine> vms,
      Lease spmLease) {}

  record Result(FleetSnapshot snapshot, Sources sources) {}

  Result build(Instant now) {
    Map<String, VmHost> hostObjects = new java.util.HashMap<>();
    Map<String, VmTemplate> templateObjects = new java.util.HashMap<>();
    Map<String, VirtualMachine> vmObjects = new java.util.HashMap<>();
    boolean frozen = false;
    // a freeze the operator could not record, being blind itself, ends like a recorded one
    Instant resumed = latest(failoverResumedAt, heartbeats.sightRegainedAt());
    List<HostView> hosts = new ArrayList<>();
    for (VmHost host : freshest(caches.hosts)) {
      if (host.getSpec() == null || host.getSpec().getCapacity() == null) {
        continue; // the schema requires capacity; nothing else could be placed here anyway
      }
      hostObjects.put(host.getMetadata().getName(), host);
      hosts.add(hostView(host, now));
      frozen |=
          hasTrueCondition(
              host.getStatus() == null ? null : host.getStatus().getConditions(), "FailoverFrozen");
      resumed = latest(resumed, resumedAt(host));
    }
    Map<String, StorageRepository> repositoryObjects = new java.util.HashMap<>();
    List<RepositoryView> repositories = new ArrayList<>();
    for (StorageRepository repository : freshest(caches.repositories)) {
      if (repository.getSpec() != null && repository.getSpec().getType() != null) {
        repositoryObjects.put(repository.getMetadata().getName(), repository);
        repositories.add(repositoryView(repository));
      }
    }
    List<TemplateView> templates = new ArrayList<>();
    for (VmTemplate template : freshest(caches.templates)) {
      if (template.getSpec() != null && template.getSpec().getImage() != null) {
        templateObjects.put(key(template), template);
        templates.add(templateView(template));
      }
    }
    List<VmView> vms = new ArrayList<>();
    for (VirtualMachine vm : freshest(caches.vms)) {
      if (vm.getSpec() != null) {
        vmObjects.put(key(vm), vm);
        vms.add(vmView(vm));
      }
    }
    Lease spm = spmLease();
    FleetSnapshot snapshot =
        new FleetSnapshot(
            now,
            settings,
            hosts,
            repositories,
            templates,
            vms,
            spmView(spm),
            frozen,
            frozen ? null : resumed);
    return new Result(
        snapshot, new Sources(hostObjects, repositoryObjects, templateObjects, vmObjects, spm));
  }

  Lease spmLease() {
    Lease cached =
        caches.operatorLeases.get(new ResourceID(VmhaApi.SPM_LEASE, leaseNamespace)).orElse(null);
    Lease written = ownWrites.written(Lease.class, leaseNamespace, VmhaApi.SPM_LEASE);
    if (cached == null) {
      return written;
    }
    return ownWrites.freshest(cached);
  }

  private <T extends HasMetadata> List<T> freshest(Cache<T> cache) {
    return cache.list().map(ownWrites::freshest).toList();
  }

  private HostView hostView(VmHost host, Instant now) {
    var spec = host.getSpec();
    var status = host.getStatus();
    String name = host.getMetadata().getName();
    String key = HeartbeatTracker.hostKey(name);
    Instant seen = heartbeats.lastSeen(key);
    // renewals seen while following another leader do not count: the host may have died since
    boolean renewed = heartbeats.renewedSince(key, startedAt);
    HostPhase recorded =
        status == null || status.getPhase() == null
            ? null
            : enumOrNull(HostPhase.class, status.getPhase());
    // a standby that watched the Lease change while its view was live knows when the host fell
    // silent: a host that died just before the leader did is failed over without a fresh grace
    // period. Anything else seen before this replica led gets one (H5).
    boolean watchedLive = heartbeats.seenRenewing(key) && !heartbeats.blind(now);
    Instant lastHeartbeat =
        seen == null || (seen.isBefore(startedAt) && !watchedLive) ? startedAt : seen;
    if (recorded == HostPhase.NotResponding && !renewed) {
      // what the previous leader wrote stands until this one sees the host renew: its grace
      // period is long over, so a fresh one would only delay the failover of its VMs
      lastHeartbeat = startedAt.minus(settings.hostGracePeriod());
    }
    return new HostView(
        name,
        host.getMetadata().getLabels() == null ? Map.of() : host.getMetadata().getLabels(),
        resources(spec.getCapacity()),
        Boolean.TRUE.equals(spec.getUnschedulable()),
        Boolean.TRUE.equals(spec.getMaintenance()),
        host.getMetadata().getDeletionTimestamp() != null,
        spec.getSpmPriority() == null
            ? SpmPriority.Normal
            : SpmPriority.valueOf(spec.getSpmPriority().name()),
        lastHeartbeat,
        status == null || !CurrentRun.ofCurrentRun(status.getReported(), hostLease(name))
            ? null
            : report(status.getReported()),
        recorded,
        status != null
            && status.getFencing() != null
            && Boolean.TRUE.equals(status.getFencing().getRequested()),
        renewed,
        PowerFenceViews.of(spec.getPowerManagement(), status));
  }

  private Lease hostLease(String host) {
    return caches
        .operatorLeases
        .get(new ResourceID(VmhaApi.hostLeaseName(host), leaseNamespace))
        .orElse(null);
  }

  private static io.vmha.core.model.AgentReport report(AgentReport reported) {
    if (reported == null) {
      return null;
    }
    List<InstanceReport> instances = new ArrayList<>();
    if (reported.getInstances() != null) {
      for (var instance : reported.getInstances()) {
        InstanceState state = enumOrNull(InstanceState.class, instance.getState());
        if (instance.getName() != null && state != null) {
          instances.add(
              new InstanceReport(
                  instance.getName(),
                  instance.getVm() == null ? "" : instance.getVm(),
                  state,
                  resources(instance.getResources()),
                  instance.getReason(),
                  migrationFailure(instance.getMigrationFailure()),
                  instance.getGuestAgent(),
                  instance.getMigratingTo()));
        }
      }
    }
    return new io.vmha.core.model.AgentReport(
        !Boolean.FALSE.equals(reported.getStorageConnected()),
        !Boolean.FALSE.equals(reported.getNetworkConnected()),
        reported.getReachableRepositories() == null
            ? java.util.Set.of()
            : new HashSet<>(reported.getReachableRepositories()),
        instances,
        Boolean.TRUE.equals(reported.getFenced()),
        agentSettings(reported.getSettings()),
        latest(
            Timestamps.parseOrNull(reported.getRunSince()),
            Timestamps.parseOrNull(reported.getSelfFencedAt())));
  }

  /** What the agent says it runs; a value it wrote that cannot be read counts as different. */
  private static io.vmha.core.model.AgentSettings agentSettings(
      io.vmha.api.AgentSettingsReport reported) {
    if (reported == null) {
      return null;
    }
    Map<String, String> text = new java.util.HashMap<>();
    text.put("heartbeatInterval", reported.getHeartbeatInterval());
    text.put("selfFenceAfter", reported.getSelfFenceAfter());
    text.put("hostGracePeriod", reported.getHostGracePeriod());
    text.put("fencing", reported.getFencing());
    text.put(
        "maxUnhealthyFraction",
        reported.getMaxUnhealthyFraction() == null
            ? null
            : reported.getMaxUnhealthyFraction().toString());
    return io.vmha.core.model.AgentSettings.parse(text::get);
  }

  private static RepositoryView repositoryView(StorageRepository repository) {
    var spec = repository.getSpec();
    return new RepositoryView(
        repository.getMetadata().getName(),
        RepositoryType.valueOf(spec.getType().name()),
        spec.getHostSelector(),
        spec.getHost());
  }

  private static TemplateView templateView(VmTemplate template) {
    var spec = template.getSpec();
    var ha = spec.getHighAvailability();
    Long counter = template.getStatus() == null ? null : template.getStatus().getInstanceCounter();
    return new TemplateView(
        template.getMetadata().getNamespace(),
        template.getMetadata().getName(),
        spec.getImage().getRepository(),
        spec.getImage().getPath(),
        Resources.of(
            cpuMillis(spec.getCpus()), spec.getMemoryMiB() == null ? 0 : spec.getMemoryMiB()),
        Boolean.TRUE.equals(spec.getGuestAgent()),
        ha == null || ha.getEnabled() == null || ha.getEnabled(),
        ha == null || ha.getPriority() == null
            ? Priority.Medium
            : Priority.valueOf(ha.getPriority().name()),
        counter == null ? 0 : counter,
        AffinityViews.of(spec.getAffinity()),
        readiness(ha));
  }

  /** A VM's or template's readiness (O1); null when it sets none. */
  static StartReadiness readiness(io.vmha.api.HighAvailability ha) {
    var readiness = ha == null ? null : ha.getReadiness();
    if (readiness == null) {
      return null;
    }
    return new StartReadiness(
        readiness.getReadyWhen() == null
            ? null
            : StartReadiness.ReadyWhen.valueOf(readiness.getReadyWhen().name()),
        readiness.getPostReadyDelaySeconds() == null
            ? null
            : Duration.ofSeconds(readiness.getPostReadyDelaySeconds()),
        readiness.getTimeoutSeconds() == null
            ? null
            : Duration.ofSeconds(readiness.getTimeoutSeconds()));
  }

  private VmView vmView(VirtualMachine vm) {
    VirtualMachineSpec spec = vm.getSpec();
    var ha = spec.getHighAvailability();
    String namespace = vm.getMetadata().getNamespace();
    String name = vm.getMetadata().getName();
    return new VmView(
        namespace,
        name,
        spec.getTemplateRef() == null ? null : spec.getTemplateRef().getName(),
        spec.getImage() == null ? null : spec.getImage().getRepository(),
        spec.getImage() == null ? null : spec.getImage().getPath(),
        spec.getCpus() == null ? null : cpuMillis(spec.getCpus()),
        spec.getMemoryMiB(),
        !Boolean.FALSE.equals(spec.getRunning()),
        ha == null ? null : ha.getEnabled(),
        ha == null || ha.getPriority() == null ? null : Priority.valueOf(ha.getPriority().name()),
        spec.getGuestAgent(),
        spec.getHostSelector(),
        vm.getMetadata().getLabels(),
        AffinityViews.of(spec.getAffinity()),
        readiness(ha),
        spec.getStartAfter(),
        vm.getMetadata().getDeletionTimestamp() != null,
        null,
        heartbeats.lastSeen(HeartbeatTracker.guestKey(namespace, name)),
        VmStatusViews.of(vm.getStatus()));
  }

  private SpmLeaseView spmView(Lease lease) {
    if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null) {
      return SpmLeaseView.none();
    }
    Instant seen = heartbeats.lastSeen(HeartbeatTracker.SPM_KEY);
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    return new SpmLeaseView(
        lease.getSpec().getHolderIdentity(),
        seen == null || seen.isBefore(startedAt) ? startedAt : seen,
        seconds == null ? settings.spmLeaseDuration() : Duration.ofSeconds(seconds));
  }

  /**
   * When a host's FailoverFrozen condition last turned False after being True, rounded up to the
   * next second (condition times have whole seconds), so a restarted operator never waits less.
   */
  private static Instant resumedAt(VmHost host) {
    var condition =
        host.getStatus() == null
            ? null
            : io.vmha.api.Condition.find(host.getStatus().getConditions(), "FailoverFrozen");
    if (condition == null
        || !"False".equals(condition.getStatus())
        || !"FailoverActive".equals(condition.getReason())) {
      return null;
    }
    Instant at = Timestamps.parse(condition.getLastTransitionTime());
    return at == null ? null : at.plusSeconds(1);
  }

  private static io.vmha.core.model.MigrationFailure migrationFailure(
      io.vmha.api.MigrationFailureReport report) {
    return report == null || report.getTarget() == null || report.getAttempts() == null
        ? null
        : new io.vmha.core.model.MigrationFailure(
            report.getTarget(), report.getAttempts(), report.getMessage());
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
  }

  static boolean hasTrueCondition(List<Condition> conditions, String type) {
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static Resources resources(io.vmha.api.Resources r) {
    if (r == null) {
      return Resources.ZERO;
    }
    return Resources.of(cpuMillis(r.getCpus()), r.getMemoryMiB() == null ? 0 : r.getMemoryMiB());
  }

  static long cpuMillis(Integer cpus) {
    return cpus == null ? 0 : cpus * 1000L;
  }

  static String key(HasMetadata resource) {
    return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
  }

  static <E extends Enum<E>> E enumOrNull(Class<E> type, String value) {
    if (value == null) {
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (Objects.equals(e.name(), value)) {
        return e;
      }
    }
    return null;
  }
}
