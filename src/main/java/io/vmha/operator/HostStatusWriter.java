package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.FencingStatus;
import io.vmha.api.InstanceToStop;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostStatus;
import io.vmha.core.Settings;
import io.vmha.core.health.HostHealth;
import io.vmha.core.model.HostView;
import io.vmha.kube.StatusFields;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the operator's fields of {@code VmHost.status} (JSON Patch of those fields only; the agent
 * owns {@code status.reported}) and the host's phase-change Events, and paces the bookkeeping-only
 * changes of a burst.
 */
final class HostStatusWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final EventQueue events;
  private final Settings settings;

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

  HostStatusWriter(
      KubernetesClient client, OwnWrites ownWrites, EventQueue events, Settings settings) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.events = events;
    this.settings = settings;
  }

  /** A new plan: forget the previous plan's held-back writes (they are decided again). */
  void startPlan() {
    refreshAt.set(null);
  }

  /** A plan moves VMs (place or phase): the burst the counts wait for goes on. */
  void vmsMoving(Instant now) {
    lastVmWrites = now;
  }

  /** When bookkeeping held back by this plan falls due, or null. */
  Instant refreshAt() {
    return refreshAt.get();
  }

  /**
   * The operator's judgement of a host this write was decided from: phase and SPM flag. A leader
   * that lost its leadership unnoticed (frozen past its renew deadline between guard and send)
   * decided from a view that may be long gone; the API server refuses its write where the new
   * leader has judged the host otherwise since.
   */
  static Map<String, Object> decidedFrom(VmHostStatus current) {
    Map<String, Object> expected = new LinkedHashMap<>();
    if (current.getPhase() != null) {
      expected.put("phase", current.getPhase());
    }
    if (current.getSpm() != null) {
      expected.put("spm", current.getSpm());
    }
    return expected;
  }

  /** Writes {@code status.selfFenceAcknowledged} if the agent reports a newer self-fence. */
  boolean acknowledgeSelfFence(VmHost host) {
    VmHostStatus status = host.getStatus();
    String fencedAt =
        status == null || status.getReported() == null
            ? null
            : status.getReported().getSelfFencedAt();
    if (fencedAt == null || fencedAt.equals(status.getSelfFenceAcknowledged())) {
      return false;
    }
    VmHost written =
        StatusFields.write(
            io.vmha.kube.Patches.target(client, VmHost.class, null, host.getMetadata().getName())
                .subresource("status"),
            true,
            Map.of("selfFenceAcknowledged", fencedAt),
            StatusFields.present(status));
    ownWrites.record(written);
    return true;
  }

  /** Writes what changed of the operator's fields of a host's status; false if nothing. */
  boolean write(
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
            io.vmha.kube.Patches.target(client, VmHost.class, null, host.getMetadata().getName())
                .subresource("status"),
            host.getStatus() != null,
            fields,
            StatusFields.present(host.getStatus()),
            decidedFrom(current));
    ownWrites.record(written);
    bookkeepingStale.remove(name);
    if (!health.phase().name().equals(current.getPhase()) && current.getPhase() != null) {
      boolean bad =
          health.phase() != io.vmha.core.model.HostPhase.Up
              && health.phase() != io.vmha.core.model.HostPhase.Maintenance;
      String note =
          "host "
              + host.getMetadata().getName()
              + " is "
              + health.phase()
              + " (was "
              + current.getPhase()
              + ")";
      events.record(
          written,
          bad ? EventRecorder.Type.Warning : EventRecorder.Type.Normal,
          health.phase().name(),
          "Judge",
          note,
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
      return "failover is active: at most "
          + Math.round(settings.maxUnhealthyFraction() * 100)
          + "% of hosts are NotResponding or silent";
    }
    return condition.message();
  }
}
