package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A leader frozen together with the API server, as the issue saw it (#20): two real {@code vmha
 * operator} replicas, three real agents, default timings. The leader and kube-apiserver are stopped
 * (SIGSTOP); the API server comes back first and the follower takes the leader Lease; then the old
 * leader resumes with everything it had planned. It must write nothing: what it would write comes
 * from caches half a minute old (every host silent that long, so "lost"). The API server names the
 * writer of every field (managedFields: {@code vmha-operator-<identity>}): every version of every
 * host, VM, Lease and ConfigMap written after the old leader resumed is watched and checked, so a
 * stale write that the new leader overwrote at once is seen too.
 */
class StaleLeaderE2ETest {
  static final List<String> HOSTS = List.of("s1", "s2", "s3");
  static ReplicatedFleet fleet;
  static RealApiServer api;

  @BeforeAll
  static void start() throws Exception {
    fleet = ReplicatedFleet.start("vmha-stale", HOSTS);
    api = fleet.api;
    for (int i = 1; i <= 3; i++) {
      fleet.createVm("vm-" + i);
    }
  }

  @AfterAll
  static void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aLeaderFrozenWithTheApiServerWritesNothingWhenItResumes() throws Exception {
    await("hosts Up, VMs running, an SPM and a leader")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              everyHostUp();
              for (int i = 1; i <= 3; i++) {
                assertThat(vm("vm-" + i).getStatus().getPhase()).isEqualTo("Running");
              }
              assertThat(holder(VmhaApi.SPM_LEASE)).isIn(HOSTS);
              assertThat(holder("vmha-operator")).isIn("a", "b");
            });
    String leader = holder("vmha-operator");
    String follower = leader.equals("a") ? "b" : "a";
    Process stale = fleet.replicas.get(leader);

    OperatorProcess.signal(stale, "STOP");
    api.signalApiServer("STOP");
    Thread.sleep(5_000);
    api.signalApiServer("CONT");
    await("the follower takes the leader Lease")
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> follower.equals(holder("vmha-operator")));
    Thread.sleep(3_000); // the follower decides for a while; the old leader's caches age
    Instant resumed = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    // every version written from here on, so that a later write cannot hide a stale one
    List<HasMetadata> written = java.util.Collections.synchronizedList(new ArrayList<>());
    List<io.fabric8.kubernetes.client.Watch> watches = watchWrites(written);
    OperatorProcess.signal(stale, "CONT");
    boolean exited = stale.waitFor(30, TimeUnit.SECONDS);
    Thread.sleep(2_000);
    watches.forEach(io.fabric8.kubernetes.client.Watch::close);

    List<String> staleWrites = new ArrayList<>();
    String manager = "vmha-operator-" + leader;
    written.addAll(api.admin().resources(VmHost.class).list().getItems());
    written.addAll(api.admin().resources(VirtualMachine.class).inAnyNamespace().list().getItems());
    written.addAll(api.admin().leases().inNamespace(fleet.namespace).list().getItems());
    written.addAll(api.admin().configMaps().inNamespace(fleet.namespace).list().getItems());
    for (HasMetadata object : List.copyOf(written)) {
      for (ManagedFieldsEntry entry : object.getMetadata().getManagedFields()) {
        if (manager.equals(entry.getManager())
            && !Instant.parse(entry.getTime()).isBefore(resumed)) {
          staleWrites.add(
              object.getKind() + " " + object.getMetadata().getName() + " at " + entry.getTime());
        }
      }
    }
    for (var event : api.admin().events().v1().events().inAnyNamespace().list().getItems()) {
      if (leader.equals(event.getReportingInstance())
          && !Instant.parse(event.getMetadata().getCreationTimestamp()).isBefore(resumed)) {
        staleWrites.add("Event " + event.getReason() + " about " + event.getRegarding().getName());
      }
    }
    System.out.printf(
        "leader %s frozen with the API server, %s took over; the old leader resumed at %s, exited:"
            + " %s; its writes after resuming: %s%n",
        leader, follower, resumed, exited, staleWrites);
    assertThat(staleWrites).as("writes of the stale leader after it resumed").isEmpty();
    assertThat(exited).as("the stale leader exits").isTrue();
    assertThat(follower).isEqualTo(holder("vmha-operator"));
    await("the new leader keeps every host Up")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(StaleLeaderE2ETest::everyHostUp);
  }

  /**
   * The second line of defence, for a write the guard let through just before its leader froze: the
   * operator's host writes carry the judgement they were decided from (phase, SPM flag) as JSON
   * Patch tests, and the API server refuses one whose judgement another leader has changed.
   */
  @Test
  void aHostWriteDecidedFromAnOldJudgementIsRefused() {
    await("hosts Up")
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .untilAsserted(StaleLeaderE2ETest::everyHostUp);
    var status = api.admin().resources(VmHost.class).withName("s1").subresource("status");
    var refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            () ->
                io.vmha.kube.StatusFields.write(
                    status,
                    true,
                    Map.of("phase", "NotResponding"),
                    java.util.Set.of(),
                    Map.of("phase", "NotResponding")));
    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(api.hostPhase("s1")).isEqualTo("Up");
  }

  /** Watches what the operator writes (hosts, VMs, its Leases and ConfigMaps) into {@code into}. */
  static List<io.fabric8.kubernetes.client.Watch> watchWrites(List<HasMetadata> into) {
    var client = api.admin();
    return List.of(
        client.resources(VmHost.class).watch(new Recorder<>(into)),
        client.resources(VirtualMachine.class).inAnyNamespace().watch(new Recorder<>(into)),
        client.leases().inNamespace(fleet.namespace).watch(new Recorder<>(into)),
        client.configMaps().inNamespace(fleet.namespace).watch(new Recorder<>(into)));
  }

  record Recorder<T extends HasMetadata>(List<HasMetadata> into)
      implements io.fabric8.kubernetes.client.Watcher<T> {
    @Override
    public void eventReceived(Action action, T resource) {
      into.add(resource);
    }

    @Override
    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
  }

  static void everyHostUp() {
    fleet.everyHostUp();
  }

  static VirtualMachine vm(String name) {
    return fleet.vm(name);
  }

  static String holder(String lease) {
    return fleet.holder(lease);
  }
}
