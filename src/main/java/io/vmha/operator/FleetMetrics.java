package io.vmha.operator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vmha.core.Plan;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmView;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The operator's Prometheus metrics (JOSDK adds reconcile counts and durations beside them). */
final class FleetMetrics {
  private final Counter failovers;
  private final Counter migrations;
  private final Counter spmTransitions;
  private final Counter conflicts;
  private final Counter eventsDropped;
  private final Counter guestResets;
  private final MeterRegistry registry;
  private final Timer planDuration;
  private final Timer detectionToPlaced;
  private final DistributionSummary writesPerPlan;
  private final Map<HostPhase, AtomicInteger> hostsByPhase = new EnumMap<>(HostPhase.class);
  private final Map<VmPhase, AtomicInteger> vmsByPhase = new EnumMap<>(VmPhase.class);
  private final AtomicInteger frozen = new AtomicInteger();

  FleetMetrics(MeterRegistry registry) {
    this.registry = registry;
    eventsDropped =
        Counter.builder("vmha_events_dropped")
            .description("Events not sent because too many were waiting")
            .register(registry);
    failovers =
        Counter.builder("vmha_failovers")
            .description("VMs re-placed because their host failed")
            .register(registry);
    guestResets =
        Counter.builder("vmha_guest_resets")
            .description("Guests reset in place because their guest agent stopped answering (M1)")
            .register(registry);
    migrations =
        Counter.builder("vmha_migrations")
            .description("Live migrations completed")
            .register(registry);
    spmTransitions =
        Counter.builder("vmha_spm_transitions")
            .description("Times the SPM role was assigned")
            .register(registry);
    conflicts =
        Counter.builder("vmha_write_conflicts")
            .description("Writes refused because the object changed (plan retried)")
            .register(registry);
    planDuration =
        Timer.builder("vmha_plan_duration")
            .description("Time to build a snapshot and plan the fleet")
            .publishPercentileHistogram()
            .register(registry);
    detectionToPlaced =
        Timer.builder("vmha_failover_detection_to_placed")
            .description(
                "From a host being declared NotResponding to its VM being placed elsewhere")
            .publishPercentileHistogram()
            .register(registry);
    writesPerPlan =
        DistributionSummary.builder("vmha_plan_writes")
            .description("API writes made for one plan")
            .register(registry);
    for (HostPhase phase : HostPhase.values()) {
      AtomicInteger value = new AtomicInteger();
      hostsByPhase.put(phase, value);
      Gauge.builder("vmha_hosts", value, AtomicInteger::get)
          .tag("phase", phase.name())
          .description("Hosts by phase")
          .register(registry);
    }
    for (VmPhase phase : VmPhase.values()) {
      AtomicInteger value = new AtomicInteger();
      vmsByPhase.put(phase, value);
      Gauge.builder("vmha_vms", value, AtomicInteger::get)
          .tag("phase", phase.name())
          .description("VMs by phase")
          .register(registry);
    }
    Gauge.builder("vmha_failover_frozen", frozen, AtomicInteger::get)
        .description("1 while failover is frozen (H5)")
        .register(registry);
  }

  void failover(Duration sinceDetection) {
    failovers.increment();
    if (sinceDetection != null && !sinceDetection.isNegative()) {
      detectionToPlaced.record(sinceDetection);
    }
  }

  /** PF2: one power fence ended with {@code outcome} after {@code took}. */
  void powerFence(String outcome, Duration took) {
    Counter.builder("vmha_power_fences")
        .description("Power fences through hosts' BMCs, by outcome (PoweredOff, Unreachable, ...)")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    Timer.builder("vmha_power_fence_duration")
        .description("From a power fence's first request to the BMC's confirmation or failure")
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
  }

  void guestReset() {
    guestResets.increment();
  }

  void migration() {
    migrations.increment();
  }

  void spmTransition() {
    spmTransitions.increment();
  }

  void eventDropped() {
    eventsDropped.increment();
  }

  void eventBacklog(java.util.function.IntSupplier backlog) {
    Gauge.builder("vmha_events_backlog", backlog, b -> b.getAsInt())
        .description("Events decided and waiting to be sent")
        .register(registry);
  }

  void conflict() {
    conflicts.increment();
  }

  void planned(Duration took, int writes) {
    planDuration.record(took);
    writesPerPlan.record(writes);
  }

  void observe(FleetSnapshot snapshot, Plan plan) {
    hostsByPhase.values().forEach(v -> v.set(0));
    plan.hosts().forEach(h -> hostsByPhase.get(h.phase()).incrementAndGet());
    vmsByPhase.values().forEach(v -> v.set(0));
    for (VmView vm : snapshot.vms()) {
      if (vm.status().phase() != null) {
        vmsByPhase.get(vm.status().phase()).incrementAndGet();
      }
    }
    frozen.set(plan.failoverFrozen() ? 1 : 0);
  }
}
