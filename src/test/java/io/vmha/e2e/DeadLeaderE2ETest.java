package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmha.api.VirtualMachine;
import io.vmha.testbed.AgentProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader dies (SIGKILL, its Lease not released) just after it found a host dead (#20): the new
 * leader must judge that host from what is written until it sees it renew. Seen before on real
 * processes: the new leader showed the dead host {@code Up} for a grace period and placed new VMs
 * on it. Two real {@code vmha operator} replicas, four real agents, default timings; the host and
 * every VM are sampled every 200 ms from the kill on.
 */
class DeadLeaderE2ETest {
  static final List<String> HOSTS = List.of("d1", "d2", "d3", "d4");
  static final Duration HOST_GRACE_PERIOD = Duration.ofSeconds(15);
  static ReplicatedFleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = ReplicatedFleet.start("vmha-dead-leader", HOSTS);
    for (int i = 1; i <= 4; i++) {
      fleet.createVm("vm-" + i);
    }
  }

  @AfterAll
  static void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  static int replicasStarted = 2;

  /**
   * Two live replicas, every host up, every VM running: a killed replica is started again as its
   * Deployment would, a dead host's agent booted again.
   */
  @BeforeEach
  void aHealthyFleet() throws Exception {
    boolean restarted = false;
    for (var replica : List.copyOf(fleet.replicas.entrySet())) {
      if (!replica.getValue().isAlive()) {
        fleet.replicas.remove(replica.getKey());
        String identity = "r" + (++replicasStarted);
        fleet.replicas.put(
            identity, OperatorProcess.start(fleet.api, fleet.namespace, identity, fleet.dir));
        restarted = true;
      }
    }
    if (restarted) {
      // a standby that has watched the hosts renew for a while, as one that ran all along has
      Thread.sleep(15_000);
    }
    for (AgentProcess agent : fleet.agents.values()) {
      if (!agent.isAlive()) {
        agent.boot();
      }
    }
    await("hosts Up, VMs running, a leader")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              fleet.everyHostUp();
              for (String vm : vms()) {
                assertThat(fleet.vm(vm).getStatus().getPhase()).as(vm).isEqualTo("Running");
              }
              assertThat(fleet.holder("vmha-operator")).isIn(fleet.replicas.keySet());
            });
  }

  @Test
  void aHostTheDeadLeaderFoundDeadStaysDeadAndTakesNoNewVm() throws Exception {
    String leader = fleet.holder("vmha-operator");
    String follower = follower(leader);
    String dead = fleet.vm("vm-1").getStatus().getHost();
    Set<String> itsVms = vmsOn(dead);

    fleet.agents.get(dead).kill();
    await("the leader finds " + dead + " dead")
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> "NotResponding".equals(fleet.api.hostPhase(dead)));
    fleet.replicas.get(leader).destroyForcibly().waitFor();
    long killed = System.nanoTime();
    Set<String> pending = new java.util.TreeSet<>(vmsOn(dead));
    List<String> newVms = List.of("new-1", "new-2");
    newVms.forEach(fleet::createVm);

    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleWithFixedDelay(
        () -> sample(dead, pending, violations, killed), 0, 200, TimeUnit.MILLISECONDS);
    long tookOver;
    long failedOver;
    try {
      await("the follower leads")
          .atMost(Duration.ofSeconds(40))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> follower.equals(fleet.holder("vmha-operator")));
      tookOver = System.nanoTime();
      await("every VM of the dead host and every new VM runs elsewhere")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                for (String vm : concat(itsVms, newVms)) {
                  VirtualMachine status = fleet.vm(vm);
                  assertThat(status.getStatus().getPhase()).as(vm).isEqualTo("Running");
                  assertThat(status.getStatus().getHost()).as(vm).isNotEqualTo(dead);
                }
              });
      failedOver = System.nanoTime();
      Thread.sleep(2_000); // and it stays so
    } finally {
      sampler.shutdownNow();
    }
    System.out.printf(
        "leader %s killed with %s NotResponding (VMs %s, not yet elsewhere %s): %s led after %d"
            + " ms; every VM ran elsewhere %d ms after the takeover; violations %s%n",
        leader,
        dead,
        itsVms,
        pending,
        follower,
        Duration.ofNanos(tookOver - killed).toMillis(),
        Duration.ofNanos(failedOver - tookOver).toMillis(),
        violations);
    assertThat(violations).as("the dead host looked alive or took a VM").isEmpty();
    assertThat(Duration.ofNanos(failedOver - tookOver))
        .as("the failover is finished within one grace period of the takeover")
        .isLessThanOrEqualTo(HOST_GRACE_PERIOD);
  }

  /**
   * The leader dies (SIGKILL) a few seconds after a host did, before it judged it: the standby,
   * which watched the host's Lease fall silent, fails the host over as soon as it leads, instead of
   * granting it a fresh grace period first (seen before: 40-45 s from the host's death instead of
   * ~14 s).
   */
  @Test
  void aHostThatDiedJustBeforeTheLeaderIsFailedOverAsSoonAsTheStandbyLeads() throws Exception {
    String leader = fleet.holder("vmha-operator");
    String follower = follower(leader);
    String dead = fleet.vm("vm-1").getStatus().getHost();
    Set<String> itsVms = vmsOn(dead);
    fleet.agents.get(dead).kill();
    long died = System.nanoTime();
    Thread.sleep(3_000);
    assertThat(fleet.api.hostPhase(dead)).as("not judged yet").isEqualTo("Up");
    fleet.replicas.get(leader).destroyForcibly().waitFor();
    await("the standby leads")
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> follower.equals(fleet.holder("vmha-operator")));
    long tookOver = System.nanoTime();
    await("every VM of the dead host runs elsewhere")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (String vm : itsVms) {
                assertThat(fleet.vm(vm).getStatus().getPhase()).as(vm).isEqualTo("Running");
                assertThat(fleet.vm(vm).getStatus().getHost()).as(vm).isNotEqualTo(dead);
              }
            });
    long failedOver = System.nanoTime();
    System.out.printf(
        "%s died, leader %s killed 3 s later: %s led %d ms after the host died; its VMs %s ran"
            + " elsewhere %d ms after the takeover (%d ms after the host died)%n",
        dead,
        leader,
        follower,
        Duration.ofNanos(tookOver - died).toMillis(),
        itsVms,
        Duration.ofNanos(failedOver - tookOver).toMillis(),
        Duration.ofNanos(failedOver - died).toMillis());
    assertThat(Duration.ofNanos(failedOver - tookOver))
        .as("failed over without a fresh grace period after the takeover")
        .isLessThan(Duration.ofSeconds(5));
  }

  static String follower(String leader) {
    return fleet.replicas.keySet().stream()
        .filter(r -> !r.equals(leader))
        .findFirst()
        .orElseThrow();
  }

  static List<String> vms() {
    return fleet
        .api
        .admin()
        .resources(VirtualMachine.class)
        .inNamespace(ReplicatedFleet.VM_NS)
        .list()
        .getItems()
        .stream()
        .map(vm -> vm.getMetadata().getName())
        .toList();
  }

  /**
   * One look: the dead host must read NotResponding, and no VM may be placed on it (those still
   * placed there when the leader died are waiting for their failover).
   */
  static void sample(String dead, Set<String> pending, List<String> violations, long killed) {
    try {
      long at = Duration.ofNanos(System.nanoTime() - killed).toMillis();
      String phase = fleet.api.hostPhase(dead);
      if (!"NotResponding".equals(phase)) {
        violations.add(dead + " read " + phase + " at +" + at + " ms");
      }
      for (String vm : vmsOn(dead)) {
        if (!pending.contains(vm)) {
          violations.add(vm + " placed on " + dead + " at +" + at + " ms");
        }
      }
    } catch (RuntimeException e) {
      // the API server is busy with a leader change: the next look counts
    }
  }

  /** VMs whose status places them on {@code host} and that are not known to have left it. */
  static Set<String> vmsOn(String host) {
    return fleet
        .api
        .admin()
        .resources(VirtualMachine.class)
        .inNamespace(ReplicatedFleet.VM_NS)
        .list()
        .getItems()
        .stream()
        .filter(vm -> vm.getStatus() != null && host.equals(vm.getStatus().getHost()))
        .filter(vm -> !"Failed".equals(vm.getStatus().getPhase()))
        .map(vm -> vm.getMetadata().getName())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  static List<String> concat(Set<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
