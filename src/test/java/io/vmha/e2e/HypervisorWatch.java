package io.vmha.e2e;

import io.vmha.agent.Instance;
import io.vmha.testbed.HypervisorListing;
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
 * a failover shows in every look for seconds. What a daemon that does not answer, or answers late,
 * counts as running is {@link HypervisorListing}'s rule.
 */
final class HypervisorWatch implements AutoCloseable {
  private final Map<String, String> uris;
  private final HypervisorListing listing;
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
    this.listing = new HypervisorListing(uris);
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
      Set<String> running = running(host.getKey());
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

  private Set<String> running(String host) {
    Set<String> vms = new TreeSet<>();
    for (Instance instance : listing.instancesOn(host)) {
      if (instance.hasVm() && instance.state() == Instance.State.Running) {
        vms.add(instance.vmKey());
      }
    }
    return vms;
  }

  @Override
  public void close() throws InterruptedException {
    thread.shutdownNow();
    thread.awaitTermination(5, TimeUnit.SECONDS);
    listing.close();
  }
}
