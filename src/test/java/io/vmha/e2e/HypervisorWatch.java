package io.vmha.e2e;

import io.vmha.agent.Instance;
import io.vmha.testbed.HypervisorListing;
import java.util.HashMap;
import java.util.List;
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
 * runs, over a connection of the test's own (not the agents'), the core's InvariantChecker ({@link
 * RunningCopies}) judges what they run, and a violation it finds in two looks in a row counts.
 * Running means executing: during a live migration the incoming copy is paused until the source
 * pauses, and a VM paused by a storage error executes nothing. One look alone can show a migrating
 * VM on both hosts, since the daemons are asked one after the other across its switchover (a
 * downtime of about 0.2 s); a second copy left running by a failover shows in every look for
 * seconds. What a daemon that does not answer, or answers late, counts as running is {@link
 * HypervisorListing}'s rule.
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
    for (String host : uris.keySet()) {
      Set<String> vms = new TreeSet<>();
      running(host).forEach(i -> vms.add(i.vmKey()));
      vms.forEach(vm -> firstSeen.putIfAbsent(vm + "@" + host, System.nanoTime()));
      now.put(host, vms);
    }
    Set<String> twice = RunningCopies.violations(now);
    for (String seen : twice) {
      if (seenTwiceBefore.contains(seen)) {
        violations.add(seen);
      }
    }
    seenTwiceBefore = twice;
    latest = now;
  }

  /** The vmha instances {@code host} executes now. */
  private List<Instance> running(String host) {
    return listing.instancesOn(host).stream()
        .filter(i -> i.hasVm() && i.state() == Instance.State.Running)
        .toList();
  }

  @Override
  public void close() throws InterruptedException {
    thread.shutdownNow();
    thread.awaitTermination(5, TimeUnit.SECONDS);
    listing.close();
  }
}
