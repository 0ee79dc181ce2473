package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.AgentOptions;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.operator.VmhaOperator;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas and simulated hosts with real agents on a real API server: the leader is
 * killed in the middle of a failover, and the other replica takes the lead and finishes the job
 * with no VM lost, none running twice, and no instance name handed out twice.
 */
class LeaderFailoverE2ETest {
  static final String NAMESPACE = "vmha-lf";
  static final String APPS = "lf-apps";
  static RealApiServer api;
  static SimulatedDatacenter datacenter;
  static final Map<String, VmhaOperator> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds(true);
    api.createNamespace(NAMESPACE);
    api.createNamespace(APPS);
    LeaderElectionE2ETest.startReplicas(api, NAMESPACE, replicas);
    var settings = ChartedFleet.FAST;
    AgentOptions agent = AgentOptions.simulatedFor(settings, NAMESPACE);
    datacenter =
        new SimulatedDatacenter(api.admin(), SimulationOptions.of(agent).withThreads(2)).start();
  }

  @AfterAll
  static void stop() {
    if (datacenter != null) {
      datacenter.close();
    }
    replicas.values().forEach(VmhaOperator::close);
    if (api != null) {
      api.close();
    }
  }

  private static void apply(String yaml) {
    api.admin()
        .resource(
            api.admin()
                .getKubernetesSerialization()
                .unmarshal(yaml, io.fabric8.kubernetes.api.model.HasMetadata.class))
        .serverSideApply();
  }

  private static String leader() {
    return api.leaseHolder(NAMESPACE, "vmha-operator");
  }

  private static VirtualMachine vm(String name) {
    return api.admin().resources(VirtualMachine.class).inNamespace(APPS).withName(name).get();
  }

  @Test
  void theFollowerFinishesAFailoverTheKilledLeaderStarted() {
    for (String host : List.of("lf-1", "lf-2", "lf-3")) {
      apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VmHost
          metadata: {name: %s}
          spec: {capacity: {cpus: 16, memoryMiB: 65536}}
          """
              .formatted(host));
      datacenter.addHost(host);
    }
    apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: lf-nfs}
        spec: {type: Shared, mountPath: /var/lib/vmha/repositories/lf-nfs}
        """);
    apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: tpl, namespace: %s}
        spec: {image: {repository: lf-nfs, path: images/tpl.qcow2}, cpus: 1, memoryMiB: 1024}
        """
            .formatted(APPS));
    List<String> names = IntStream.range(0, 6).mapToObj(i -> "vm-" + i).toList();
    for (String name : names) {
      apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: %s}
          spec: {templateRef: {name: tpl}}
          """
              .formatted(name, APPS));
    }
    eventually(
        Duration.ofSeconds(60),
        () -> names.forEach(n -> assertThat(vm(n).getStatus().getPhase()).isEqualTo("Running")));
    Set<String> before = new HashSet<>();
    names.forEach(n -> before.add(vm(n).getStatus().getInstanceName()));
    String lost = vm("vm-0").getStatus().getHost();
    String leader = leader();

    datacenter.annotateFaults(lost, EnumSet.of(Fault.HOST_CRASH));
    eventually(
        () ->
            assertThat(
                    api.admin().resources(VmHost.class).withName(lost).get().getStatus().getPhase())
                .isEqualTo("NotResponding"));
    replicas.remove(leader).close(); // killed as it fails the host's VMs over

    eventually(
        Duration.ofSeconds(60),
        () -> {
          assertThat(leader()).isNotEqualTo(leader);
          for (String name : names) {
            var status = vm(name).getStatus();
            assertThat(status.getPhase()).as(name).isEqualTo("Running");
            assertThat(status.getHost()).as(name).isNotEqualTo(lost);
          }
        });
    Set<String> after = new HashSet<>();
    for (String name : names) {
      String instance = vm(name).getStatus().getInstanceName();
      assertThat(after.add(instance)).as("unique instance " + instance).isTrue();
      assertThat(datacenter.whereRuns(instance)).as("one live copy of " + instance).hasSize(1);
    }
    long highestBefore =
        before.stream()
            .mapToLong(i -> Long.parseLong(i.substring("tpl-".length())))
            .max()
            .orElseThrow();
    after.stream()
        .filter(i -> !before.contains(i))
        .forEach(
            i ->
                assertThat(Long.parseLong(i.substring("tpl-".length())))
                    .isGreaterThan(highestBefore));
  }
}
