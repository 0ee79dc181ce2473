package io.vmha.demo;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the invariants of SPEC section 4 while the demo runs, from what the simulated hypervisors
 * really run and what the API says: I1 (one live instance per VM), I3 (no host over capacity), I4
 * (one SPM holder), I5 (an instance name is never used by two VMs). I2 is checked at the end of
 * every scenario.
 */
final class InvariantMonitor implements AutoCloseable {
  private final KubernetesClient client;
  private final SimulatedDatacenter datacenter;
  private final String leaseNamespace;
  private final boolean selfFencing;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vmha-invariants");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, String> vmOfInstanceName = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int checks;

  /**
   * @param selfFencing whether two live copies of a VM are a violation (SelfFence) or recorded
   *     stale instances (None)
   */
  InvariantMonitor(
      KubernetesClient client,
      SimulatedDatacenter datacenter,
      String leaseNamespace,
      boolean selfFencing) {
    this.selfFencing = selfFencing;
    this.client = client;
    this.datacenter = datacenter;
    this.leaseNamespace = leaseNamespace;
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
    Map<String, List<String>> liveByVm = new HashMap<>();
    Map<String, VmHost> hosts = new HashMap<>();
    client
        .resources(VmHost.class)
        .list()
        .getItems()
        .forEach(h -> hosts.put(h.getMetadata().getName(), h));
    datacenter
        .instancesByHost()
        .forEach(
            (host, instances) -> {
              long cpus = 0;
              long memory = 0;
              for (Instance instance : instances) {
                if (instance.state() == Instance.State.Stopped
                    || instance.state() == Instance.State.Failed) {
                  continue;
                }
                liveByVm.computeIfAbsent(instance.vmKey(), k -> new ArrayList<>()).add(host);
                if (instance.resources() != null) {
                  cpus +=
                      instance.resources().getCpus() == null ? 0 : instance.resources().getCpus();
                  memory +=
                      instance.resources().getMemoryMiB() == null
                          ? 0
                          : instance.resources().getMemoryMiB();
                }
              }
              VmHost vmHost = hosts.get(host);
              if (vmHost != null) {
                var capacity = vmHost.getSpec().getCapacity();
                if (cpus > capacity.getCpus() || memory > capacity.getMemoryMiB()) {
                  violate(
                      "I3: host "
                          + host
                          + " runs "
                          + cpus
                          + " cpus / "
                          + memory
                          + " MiB, over its capacity");
                }
              }
            });
    liveByVm.forEach(
        (vm, where) -> {
          if (where.size() > 1 && selfFencing) {
            violate("I1: " + vm + " runs on " + where);
          }
        });
    Lease spm = client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).get();
    long spmFlags =
        hosts.values().stream()
            .filter(h -> h.getStatus() != null && Boolean.TRUE.equals(h.getStatus().getSpm()))
            .count();
    if (spmFlags > 1) {
      violate("I4: " + spmFlags + " hosts are marked SPM");
    }
    if (spm != null
        && spm.getSpec().getHolderIdentity() != null
        && !hosts.containsKey(spm.getSpec().getHolderIdentity())) {
      violate("I4: the SPM Lease names an unknown host " + spm.getSpec().getHolderIdentity());
    }
    for (VirtualMachine vm :
        client.resources(VirtualMachine.class).inAnyNamespace().list().getItems()) {
      var status = vm.getStatus();
      if (status == null || status.getInstanceName() == null) {
        continue;
      }
      String key = vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
      String name = vm.getMetadata().getNamespace() + "/" + status.getInstanceName();
      String owner = vmOfInstanceName.putIfAbsent(name, key);
      if (owner != null && !owner.equals(key)) {
        violate("I5: instance name " + name + " used by " + owner + " and " + key);
      }
    }
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
