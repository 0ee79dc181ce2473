package io.vmha.e2e;

import io.vmha.agent.Instance;
import io.vmha.agent.libvirt.LibvirtDriver;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * I1 as the hypervisors see it: every 200 ms, each libvirt daemon is asked which vmha domains it
 * runs, over a connection of the test's own (not the agents'), and a VM seen running on two hosts
 * in two looks in a row is a violation. Running means executing: during a live migration the
 * incoming copy is paused until the source pauses, and a VM paused by a storage error executes
 * nothing. One look alone can show a migrating VM on both hosts, since the daemons are asked one
 * after the other across its switchover (a downtime of about 0.2 s); a second copy left running by
 * a failover shows in every look for seconds. A daemon that does not answer (its host crashed: its
 * QEMUs died with it) counts as running nothing until it answers again.
 */
final class HypervisorWatch implements AutoCloseable {
  private final Map<String, String> uris;
  private final Map<String, LibvirtDriver> connections = new HashMap<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();

  /**
   * "namespace/vm@host" → when the watch first saw that host run the VM ({@link System#nanoTime}).
   */
  final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

  private volatile Map<String, Set<String>> latest = Map.of();
  private Set<String> seenTwiceBefore = Set.of();

  HypervisorWatch(Map<String, String> uris) {
    this.uris = uris;
    thread.scheduleWithFixedDelay(this::look, 0, 200, TimeUnit.MILLISECONDS);
  }

  /** The VMs each host ran when the watch last looked. */
  Set<String> runningOn(String host) {
    return latest.getOrDefault(host, Set.of());
  }

  /** The host running {@code vm} when the watch last looked, or null. */
  String hostOf(String vm) {
    return latest.entrySet().stream()
        .filter(e -> e.getValue().contains(vm))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null);
  }

  private void look() {
    Map<String, Set<String>> now = new HashMap<>();
    Map<String, String> where = new HashMap<>();
    Set<String> twice = new TreeSet<>();
    for (var host : uris.entrySet()) {
      Set<String> running = running(host.getKey(), host.getValue());
      now.put(host.getKey(), running);
      for (String vm : running) {
        firstSeen.putIfAbsent(vm + "@" + host.getKey(), System.nanoTime());
        String other = where.putIfAbsent(vm, host.getKey());
        if (other != null) {
          twice.add(vm + " runs on " + other + " and " + host.getKey());
        }
      }
    }
    for (String seen : twice) {
      if (seenTwiceBefore.contains(seen)) {
        violations.add(seen);
      }
    }
    seenTwiceBefore = twice;
    latest = now;
  }

  private Set<String> running(String host, String uri) {
    Set<String> vms = new TreeSet<>();
    try {
      LibvirtDriver connection = connections.get(host);
      if (connection == null) {
        connection = LibvirtDriver.builder(uri).domainType("qemu").build().connect();
        connections.put(host, connection);
      }
      for (Instance instance : connection.instances()) {
        if (instance.vmKey() != null
            && !instance.vmKey().isEmpty()
            && instance.state() == Instance.State.Running) {
          vms.add(instance.vmKey());
        }
      }
    } catch (io.vmha.agent.HypervisorUnavailable e) {
      if (e.late()) {
        // libvirtd is there but slow to answer (its QEMUs wait on storage): what it ran last
        // still runs, as far as anyone knows
        return latest.getOrDefault(host, Set.of());
      }
      closeQuietly(host);
    } catch (Exception e) {
      closeQuietly(host);
    }
    return vms;
  }

  private void closeQuietly(String host) {
    LibvirtDriver broken = connections.remove(host);
    if (broken != null) {
      broken.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    thread.shutdownNow();
    thread.awaitTermination(5, TimeUnit.SECONDS);
    connections.values().forEach(LibvirtDriver::close);
  }
}
