package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * writer of every field (managedFields: {@code vmha-operator-<identity>}), which is what is
 * checked.
 */
class StaleLeaderE2ETest {
  static final String NS = "vmha-stale";
  static final String VM_NS = "apps";
  static final List<String> HOSTS = List.of("s1", "s2", "s3");
  static RealApiServer api;
  static Path dir;
  static final Map<String, Process> replicas = new LinkedHashMap<>();
  static final Map<String, AgentProcess> agents = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NS);
    api.createNamespace(VM_NS);
    dir = Files.createTempDirectory("vmha-stale-leader-e2e");
    for (String identity : List.of("a", "b")) {
      replicas.put(identity, OperatorProcess.start(api, NS, identity, dir));
    }
    agents.putAll(AgentProcess.fleet(api, NS, HOSTS, dir, false));
    for (int i = 1; i <= 3; i++) {
      api.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: vm-%d, namespace: %s}
          spec:
            image: {repository: san, path: images/vm-%d.qcow2}
            cpus: 1
            memoryMiB: 1024
            highAvailability: {enabled: true, priority: High}
          """
              .formatted(i, VM_NS, i));
    }
  }

  @AfterAll
  static void stop() {
    replicas.values().forEach(Process::destroyForcibly);
    agents.values().forEach(AgentProcess::close);
    if (api != null) {
      api.close();
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
    Process stale = replicas.get(leader);

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
    OperatorProcess.signal(stale, "CONT");
    boolean exited = stale.waitFor(30, TimeUnit.SECONDS);
    Thread.sleep(2_000);

    List<String> staleWrites = new ArrayList<>();
    String manager = "vmha-operator-" + leader;
    List<HasMetadata> written = new ArrayList<>();
    written.addAll(api.admin().resources(VmHost.class).list().getItems());
    written.addAll(api.admin().resources(VirtualMachine.class).inAnyNamespace().list().getItems());
    written.addAll(api.admin().leases().inNamespace(NS).list().getItems());
    written.addAll(api.admin().configMaps().inNamespace(NS).list().getItems());
    for (HasMetadata object : written) {
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

  static void everyHostUp() {
    for (String host : HOSTS) {
      assertThat(api.hostPhase(host)).as(host).isEqualTo("Up");
    }
  }

  static VirtualMachine vm(String name) {
    return api.admin().resources(VirtualMachine.class).inNamespace(VM_NS).withName(name).get();
  }

  static String holder(String lease) {
    return api.leaseHolder(NS, lease);
  }
}
