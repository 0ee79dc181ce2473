package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.model.FencingPolicy;
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
  private final SimulatedDatacenter datacenter;
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
  private InstanceNameHistory names = InstanceNameHistory.EMPTY;
  private int checks;

  InvariantMonitor(
      KubernetesClient client,
      SimulatedDatacenter datacenter,
      String leaseNamespace,
      FencingPolicy fencing) {
    this.client = client;
    this.datacenter = datacenter;
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
    InvariantChecker.Verdict verdict =
        InvariantChecker.check(
            LiveFleetFacts.read(client, datacenter, leaseNamespace, fencing), names);
    names = verdict.names();
    verdict.violations().forEach(v -> violate(v.toString()));
  }

  private void violate(String violation) {
    if (!violations.contains(violation)) {
      violations.add(violation);
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
