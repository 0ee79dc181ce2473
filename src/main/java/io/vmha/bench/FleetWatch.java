package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.kube.AddOrUpdate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bench's own watch of the fleet, on its uncounted client: how many VMs run, which host carries
 * how many, and the moments the failover is timed by, taken when the change arrives rather than
 * when a poll would find it.
 */
final class FleetWatch implements AutoCloseable {
  private final SharedIndexInformer<VirtualMachine> vms;
  private final SharedIndexInformer<VmHost> hosts;
  private final Map<String, Victim> victims = new ConcurrentHashMap<>();
  private final Map<String, Long> notRespondingSeen = new ConcurrentHashMap<>();

  /** A VM of a crashed host, and when the bench saw it re-placed and running again (nanoTime). */
  static final class Victim {
    final String oldHost;
    final String oldInstance;
    volatile long replaced;
    volatile long running;
    volatile String newHost;

    Victim(String oldHost, String oldInstance) {
      this.oldHost = oldHost;
      this.oldInstance = oldInstance;
    }
  }

  /** Starts watching the VMs of {@code namespace} and every host. */
  FleetWatch(KubernetesClient client, String namespace) {
    vms = client.resources(VirtualMachine.class).inNamespace(namespace).runnableInformer(0);
    vms.addEventHandler(AddOrUpdate.<VirtualMachine>handler(this::seen));
    hosts = client.resources(VmHost.class).runnableInformer(0);
    hosts.addEventHandler(AddOrUpdate.<VmHost>handler(this::seen));
    vms.run();
    hosts.run();
  }

  private void seen(VirtualMachine vm) {
    Victim v = victims.get(vm.getMetadata().getName());
    if (v == null || vm.getStatus() == null) {
      return;
    }
    String host = vm.getStatus().getHost();
    if (host == null || host.equals(v.oldHost)) {
      return;
    }
    long now = System.nanoTime();
    if (v.replaced == 0) {
      v.newHost = host;
      v.replaced = now;
    }
    if (v.running == 0 && "Running".equals(vm.getStatus().getPhase())) {
      v.running = now;
    }
  }

  private void seen(VmHost host) {
    if (host.getStatus() != null && "NotResponding".equals(host.getStatus().getPhase())) {
      notRespondingSeen.putIfAbsent(host.getMetadata().getName(), System.nanoTime());
    }
  }

  /** How many hosts' agents have reported at least once. */
  long reportingHosts() {
    return hosts.getStore().list().stream()
        .filter(h -> h.getStatus() != null && h.getStatus().getReported() != null)
        .count();
  }

  int running() {
    int running = 0;
    for (VirtualMachine vm : vms.getStore().list()) {
      if (vm.getStatus() != null && "Running".equals(vm.getStatus().getPhase())) {
        running++;
      }
    }
    return running;
  }

  /** How many VMs each host carries, by host name; hosts without VMs are left out. */
  Map<String, Integer> load() {
    Map<String, Integer> load = new HashMap<>();
    for (VirtualMachine vm : vms.getStore().list()) {
      if (vm.getStatus() != null && vm.getStatus().getHost() != null) {
        load.merge(vm.getStatus().getHost(), 1, Integer::sum);
      }
    }
    return load;
  }

  /**
   * From now on times the VMs now on {@code crashed} hosts; returns them by VM name. Hosts seen
   * NotResponding so far are forgotten (see {@link #notRespondingSince}).
   */
  Map<String, Victim> watchVictims(List<String> crashed) {
    notRespondingSeen.clear();
    for (VirtualMachine vm : vms.getStore().list()) {
      if (vm.getStatus() != null && crashed.contains(vm.getStatus().getHost())) {
        victims.put(
            vm.getMetadata().getName(),
            new Victim(vm.getStatus().getHost(), vm.getStatus().getInstanceName()));
      }
    }
    return victims;
  }

  /** How many hosts the bench has seen NotResponding (since {@link #watchVictims}). */
  int hostsSeenNotResponding() {
    return notRespondingSeen.size();
  }

  /** When the bench first saw {@code host} NotResponding (nanoTime), or null. */
  Long notRespondingSince(String host) {
    return notRespondingSeen.get(host);
  }

  @Override
  public void close() {
    try {
      vms.stop();
    } finally {
      hosts.stop();
    }
  }
}
