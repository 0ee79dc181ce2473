package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.VirtualMachine;
import io.vmha.core.Settings;
import io.vmha.operator.OperatorOptions;
import io.vmha.operator.VmhaOperator;
import io.vmha.testbed.AgentProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Simulated hosts in separate {@code vmha agent --driver simulated} processes, as a user tries the
 * product, live-migrate to each other (#20: every migration between two agent processes failed,
 * "host is not in this simulation"): a host put into maintenance drains, its VMs keep their
 * instance names and run on the other host's process, and the drained host reaches Maintenance.
 */
class ProcessMigrationE2ETest {
  static final String NS = "vmha-pm";
  static final String APPS = "pm-apps";
  static final List<String> VMS = List.of("app-1", "app-2", "app-3");
  static RealApiServer api;
  static VmhaOperator operator;
  static Map<String, AgentProcess> agents = Map.of();

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NS);
    api.createNamespace(APPS);
    operator =
        new VmhaOperator(
                api.admin(),
                new OperatorOptions(
                    Settings.defaults(), false, "vmha-operator", NS, "pm", -1, false),
                o -> {})
            .start();
    Path dir = Files.createTempDirectory("vmha-process-migration-e2e");
    agents = SimulatedAgentFleet.start(api, NS, List.of("pm-1", "pm-2"), dir, false);
  }

  @AfterAll
  static void stop() {
    agents.values().forEach(AgentProcess::close);
    if (operator != null) {
      operator.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aDrainMovesVmsToAHostInAnotherAgentProcess() {
    eventually(
        Duration.ofSeconds(90),
        () -> {
          for (String host : agents.keySet()) {
            assertThat(api.hostPhase(host)).as(host).isEqualTo("Up");
          }
        });
    for (String vm : VMS) {
      api.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: %s}
          spec:
            image: {repository: san, path: images/%s.qcow2}
            cpus: 1
            memoryMiB: 1024
            highAvailability: {enabled: true}
          """
              .formatted(vm, APPS, vm));
    }
    Map<String, String> instances = new HashMap<>();
    eventually(
        Duration.ofSeconds(90),
        () -> {
          for (String vm : VMS) {
            var status = vm(vm).getStatus();
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(agents.get(status.getHost()).runningVms()).contains(APPS + "/" + vm);
            instances.put(vm, status.getInstanceName());
          }
        });

    String source = vm(VMS.get(0)).getStatus().getHost();
    String target = source.equals("pm-1") ? "pm-2" : "pm-1";
    List<String> moving =
        VMS.stream().filter(vm -> source.equals(vm(vm).getStatus().getHost())).toList();
    long drained = System.nanoTime();
    api.startMaintenance(source);
    eventually(
        Duration.ofSeconds(90),
        () -> {
          assertThat(api.hostPhase(source)).isEqualTo("Maintenance");
          for (String vm : VMS) {
            var status = vm(vm).getStatus();
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(status.getHost()).isEqualTo(target);
            assertThat(status.getInstanceName())
                .as("live migration keeps the instance")
                .isEqualTo(instances.get(vm));
          }
          assertThat(agents.get(target).runningVms())
              .containsAll(VMS.stream().map(vm -> APPS + "/" + vm).toList());
          assertThat(agents.get(source).runningVms()).isEmpty();
        });
    System.out.printf(
        "drain of %s into %s (separate agent processes): %s moved in %d ms%n",
        source, target, moving, Duration.ofNanos(System.nanoTime() - drained).toMillis());
    assertThat(moving).as("the drained host ran VMs").isNotEmpty();
    assertThat(agents.get(source).logTail()).contains("(another process)");
    for (String vm : VMS) {
      assertThat(vm(vm).getStatus().getFailoverCount())
          .as("a migration, not a failover")
          .isIn(null, 0);
    }
  }

  static VirtualMachine vm(String name) {
    return api.admin().resources(VirtualMachine.class).inNamespace(APPS).withName(name).get();
  }
}
