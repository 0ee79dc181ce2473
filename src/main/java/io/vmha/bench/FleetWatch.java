package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.kube.AddOrUpdate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
  private final Map<String, Restart> restarts = new ConcurrentHashMap<>();
  private volatile Instant restartsSince;

  /**
   * A VM whose host lost power: when the bench saw it Running again, in a phase that began after
   * the power went (nanoTime), and whether it was moved while every host was down.
   */
  static final class Restart {
    final String hostBefore;
    volatile long running;
    volatile boolean moved;

    Restart(String hostBefore) {
      this.hostBefore = hostBefore;
    }
  }

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
    seenRestarting(vm);
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

  private void seenRestarting(VirtualMachine vm) {
    Restart r = restarts.get(vm.getMetadata().getName());
    var status = vm.getStatus();
    if (r == null || status == null) {
      return;
    }
    if (!Objects.equals(status.getHost(), r.hostBefore)) {
      r.moved = true;
    }
    if (r.running == 0
        && "Running".equals(status.getPhase())
        && status.getPhaseSince() != null
        && Instant.parse(status.getPhaseSince()).isAfter(restartsSince)) {
      r.running = System.nanoTime();
    }
  }

  private void seen(VmHost host) {
    if (host.getStatus() != null && "NotResponding".equals(host.getStatus().getPhase())) {
      notRespondingSeen.putIfAbsent(host.getMetadata().getName(), System.nanoTime());
    }
  }

  /** Every host as the bench last saw it. */
  List<VmHost> hosts() {
    return hosts.getStore().list();
  }

  /** How many hosts' agents have reported at least once. */
  long reportingHosts() {
    return hosts().stream()
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

  /**
   * From now on times every VM of the namespace back to Running, in a phase that began after {@code
   * since} (the moment the power went); returns them by VM name.
   */
  Map<String, Restart> watchRestarts(Instant since) {
    restartsSince = since;
    for (VirtualMachine vm : vms.getStore().list()) {
      restarts.put(
          vm.getMetadata().getName(),
          new Restart(vm.getStatus() == null ? null : vm.getStatus().getHost()));
    }
    return restarts;
  }

  /** How many hosts are Up now. */
  long upHosts() {
    return hosts.getStore().list().stream()
        .filter(h -> h.getStatus() != null && "Up".equals(h.getStatus().getPhase()))
        .count();
  }

  /** Forgets the hosts seen NotResponding so far: {@link #hostsSeenNotResponding} counts anew. */
  void forgetNotResponding() {
    notRespondingSeen.clear();
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
