package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.invariant.Violation;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the invariants of SPEC section 4 while the demo runs: every 200 ms it reads the fleet
 * ({@link LiveFleetFacts}) and has the core's {@link InvariantChecker} judge it, the same checker
 * the fault-sequence tests use. What it can judge from here: I1 (one live instance per VM, under
 * SelfFence), I3 (no host over capacity), I4 (one SPM by the hosts' flags and the Lease) and I5 (an
 * instance name is never reused). I2 is checked at the end of every scenario.
 */
final class InvariantMonitor implements AutoCloseable {
  private final KubernetesClient client;
  private final DemoHosts hosts;
  private final String leaseNamespace;
  private final FencingPolicy fencing;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vmha-invariants");
            t.setDaemon(true);
            return t;
          });
  private final List<String> violations = new ArrayList<>();
  private final java.util.function.Consumer<String> note;
  private InstanceNameHistory names = InstanceNameHistory.EMPTY;

  /**
   * How the hypervisors' answers are judged.
   *
   * @param looksToConfirm in how many looks in a row a violation must show to count: 1 where the
   *     hypervisors are read at one instant; more where they are asked one after the other, so that
   *     one look can straddle a live migration's switchover
   * @param pausedCopyRuns whether a paused instance counts as a running copy for I1. In the
   *     simulation it does (it is the VM's copy, waiting to resume). A paused QEMU executes
   *     nothing, and real live migration keeps one: the incoming copy waits paused until the source
   *     has stopped for good, which QEMU guarantees. On real hosts I1 counts the copies that
   *     execute, as the end-to-end tests' watch of the libvirt daemons does; I3 still counts every
   *     copy.
   */
  record Judging(int looksToConfirm, boolean pausedCopyRuns) {
    static final Judging SIMULATED = new Judging(1, true);
    static final Judging REAL_HYPERVISORS = new Judging(2, false);
  }

  private final Judging judging;

  private java.util.Map<String, Integer> streaks = java.util.Map.of();
  private int checks;

  InvariantMonitor(
      KubernetesClient client,
      DemoHosts hosts,
      String leaseNamespace,
      FencingPolicy fencing,
      Judging judging,
      java.util.function.Consumer<String> note) {
    this.judging = judging;
    this.note = note;
    this.client = client;
    this.hosts = hosts;
    this.leaseNamespace = leaseNamespace;
    this.fencing = fencing;
    ticker.scheduleWithFixedDelay(this::checkSafely, 200, 200, TimeUnit.MILLISECONDS);
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  synchronized int checks() {
    return checks;
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      // the API may be briefly busy; the next round checks again
    }
  }

  private synchronized void check() {
    checks++;
    FleetFacts facts = LiveFleetFacts.read(client, hosts, leaseNamespace, fencing);
    InvariantChecker.Verdict verdict = InvariantChecker.check(facts, names);
    List<Violation> found = verdict.violations();
    if (!judging.pausedCopyRuns()) {
      List<Violation> i1 =
          InvariantChecker.check(executingCopies(facts), names).violations().stream()
              .filter(v -> v.invariant().equals("I1"))
              .toList();
      found = new ArrayList<>(found.stream().filter(v -> !v.invariant().equals("I1")).toList());
      found.addAll(i1);
    }
    names = verdict.names();
    java.util.Map<String, Integer> seen = new java.util.HashMap<>();
    for (var violation : found) {
      String text = violation.toString();
      int streak = streaks.getOrDefault(text, 0) + 1;
      seen.put(text, streak);
      if (streak >= judging.looksToConfirm()) {
        violate(text);
      }
    }
    streaks = seen;
  }

  private static FleetFacts executingCopies(FleetFacts facts) {
    return new FleetFacts(
        facts.fencing(),
        facts.hosts().stream()
            .map(
                h ->
                    new FleetFacts.Host(
                        h.name(),
                        h.capacity(),
                        h.instances().stream()
                            .filter(i -> i.state() != InstanceState.Paused)
                            .toList()))
            .toList(),
        facts.vms(),
        facts.spm(),
        facts.operator());
  }

  private void violate(String violation) {
    if (!violations.contains(violation)) {
      violations.add(violation);
      // in the timeline where it happened, not only in the summary
      note.accept("INVARIANT BROKEN: " + violation);
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
