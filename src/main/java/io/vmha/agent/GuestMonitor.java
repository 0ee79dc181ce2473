package io.vmha.agent;

import io.vmha.core.model.GuestMonitoring;
import io.vmha.core.vm.HungGuestWatch;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VM monitoring on the host (M1): resets in place a guest whose guest agent stopped answering, as
 * the core rule {@link HungGuestWatch} says, and remembers when, for the report. The resets the
 * operator recorded from earlier reports count too, so a restarted agent does not start the count
 * afresh (the VM's status is the journal here: it is written anyway, and read on every tick).
 */
final class GuestMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final String me;
  private final HypervisorDriver driver;
  private final Clock clock;
  private final GuestAgentProbe probe;

  /** The resets of each monitored instance within its window, oldest first. */
  private final Map<InstanceRef, List<Instant>> resets = new HashMap<>();

  /** Instances left alone: silent, but reset maxResets times within the window already. */
  private final Set<InstanceRef> leftAlone = new HashSet<>();

  GuestMonitor(String me, HypervisorDriver driver, Clock clock, GuestAgentProbe probe) {
    this.me = me;
    this.driver = driver;
    this.clock = clock;
    this.probe = probe;
  }

  /**
   * One look at every monitored guest placed here.
   *
   * @param hostHealthy the host is not fencing and reaches its storage and VM network: otherwise a
   *     silent guest agent says more about the host than about its guest
   */
  void watch(AgentWork work, boolean hostHealthy) {
    Map<InstanceRef, Instance> instances = new HashMap<>();
    for (Instance instance : driver.instances()) {
      instances.put(instance.ref(), instance);
    }
    Map<InstanceRef, Instant> silent = probe.silentSince();
    Instant now = clock.instant();
    Set<InstanceRef> monitored = new HashSet<>();
    for (PlacedVm vm : work.placed()) {
      GuestMonitoring monitoring = vm.monitoring();
      if (monitoring == null || vm.instanceName() == null || !me.equals(vm.host())) {
        continue;
      }
      InstanceRef ref = vm.instance();
      Instance instance = instances.get(ref);
      if (instance == null) {
        continue;
      }
      monitored.add(ref);
      List<Instant> known = known(ref, vm, monitoring, now);
      HungGuestWatch.Verdict verdict =
          HungGuestWatch.judge(
              monitoring,
              hostHealthy,
              instance.report().state(),
              vm.migrationTarget() != null || !vm.shouldRunOn(me),
              instance.since(),
              silent.get(ref),
              known,
              now);
      switch (verdict) {
        case RESET -> reset(ref, monitoring, known, now);
        case GAVE_UP -> {
          if (leftAlone.add(ref)) {
            LOG.warn(
                "agent of {}: the guest agent of {} is silent, but it was reset {} times within {}:"
                    + " left alone",
                me,
                ref,
                known.size(),
                monitoring.resetWindow());
          }
        }
        case WATCH -> leftAlone.remove(ref);
      }
    }
    resets.keySet().retainAll(monitored);
    leftAlone.retainAll(monitored);
  }

  private List<Instant> known(
      InstanceRef ref, PlacedVm vm, GuestMonitoring monitoring, Instant now) {
    TreeSet<Instant> all = new TreeSet<>(resets.getOrDefault(ref, List.of()));
    all.addAll(vm.recordedResets());
    List<Instant> within = HungGuestWatch.withinWindow(monitoring, new ArrayList<>(all), now);
    resets.put(ref, within);
    return within;
  }

  private void reset(
      InstanceRef ref, GuestMonitoring monitoring, List<Instant> known, Instant now) {
    try {
      driver.reset(ref);
    } catch (DriverException | RuntimeException e) {
      LOG.warn("agent of {} could not reset {}: {}", me, ref, e.getMessage());
      return;
    }
    List<Instant> after = new ArrayList<>(known);
    after.add(now);
    resets.put(ref, List.copyOf(after));
    probe.forgetSilence(ref);
    leftAlone.remove(ref);
    LOG.warn(
        "agent of {} reset {} in place: its guest agent was silent for {} ({} of {} resets within"
            + " {})",
        me,
        ref,
        monitoring.failureInterval(),
        after.size(),
        monitoring.maxResets(),
        monitoring.resetWindow());
  }

  /** The resets within the window of every monitored instance that has any. */
  Map<InstanceRef, List<Instant>> resets() {
    Map<InstanceRef, List<Instant>> copy = new HashMap<>();
    resets.forEach(
        (ref, times) -> {
          if (!times.isEmpty()) {
            copy.put(ref, times);
          }
        });
    return copy;
  }

  /** Whether the agent leaves this silent guest alone, having reset it maxResets times. */
  boolean leftAlone(InstanceRef instance) {
    return leftAlone.contains(instance);
  }
}
