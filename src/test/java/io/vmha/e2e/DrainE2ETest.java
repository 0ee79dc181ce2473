package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.api.Condition;
import io.vmha.api.InstanceReport;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.core.Settings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Draining a host whose VMs cannot be live-migrated (#20: the host stayed PreparingForMaintenance
 * and its VMs Migrating forever, the agent retrying millions of times): the real operator and
 * simulated agents on a real API server, every migration to the only other host refused by its
 * hypervisor. Each VM's migration is tried a bounded number of times, then aborted with the
 * hypervisor's error on the VM; the VM keeps running where it is and the drain leaves it there. The
 * host names each VM it cannot move and why (condition Drained, a Warning event per VM), and the
 * agent logs a few lines per VM, not one per attempt.
 */
class DrainE2ETest {
  static final String NS = "vmha-drain";
  static final String APPS = "drain-apps";
  static final List<String> VMS = List.of("db-1", "db-2");

  /**
   * A few lines per VM and minute: the agent tells the 1st, 2nd and 4th failure of a series, then
   * every doubling, not each attempt.
   */
  static final int LOG_LINES_PER_VM_PER_MINUTE = 5;

  static RealApiServer api;
  static SimulatedDatacenter datacenter;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NS);
    api.createNamespace(APPS);
    Settings settings = ChartedFleet.FAST;
    api.startOperator(settings, NS, "drain");
    datacenter =
        new SimulatedDatacenter(
                api.admin(),
                SimulationOptions.of(AgentOptions.simulatedFor(settings, NS)).withThreads(2))
            .start();
  }

  @AfterAll
  static void stop() {
    if (datacenter != null) {
      datacenter.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aDrainWhoseMigrationsAllFailGivesUpOnEachVmAndSaysWhy() throws Exception {
    api.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: drain-nfs}
        spec: {type: Shared, mountPath: /var/lib/vmha/repositories/drain-nfs}
        ---
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: dr-1}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}}
        """);
    datacenter.addHost("dr-1");
    for (String vm : VMS) {
      api.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: %s}
          spec: {image: {repository: drain-nfs, path: images/%s.qcow2}, cpus: 1, memoryMiB: 1024}
          """
              .formatted(vm, APPS, vm));
    }
    eventually(
        Duration.ofSeconds(60),
        () -> VMS.forEach(vm -> assertThat(vm(vm).getStatus().getPhase()).isEqualTo("Running")));
    // the only other host refuses every incoming migration
    api.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: dr-2, annotations: {sim.vmha.io/fault: migration-failure}}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}}
        """);
    datacenter.addHost("dr-2");
    eventually(() -> assertThat(api.hostPhase("dr-2")).isEqualTo("Up"));

    long drained = System.nanoTime();
    try (CapturedLog log = new CapturedLog()) {
      drainGivingUp(drained);
      // #20: the agent retried in a tight loop, millions of identical lines. Its lines about the
      // failing migration, per VM, from the drain until now (given up, and 5 s after)
      double minutes = Math.max(1, Math.ceil((System.nanoTime() - drained) / 60e9));
      for (String vm : VMS) {
        long lines = log.count("io.vmha.agent.", APPS + "/" + vm, "migrat");
        System.out.printf("agent log lines about the migration of %s: %d%n", vm, lines);
        assertThat(lines)
            .as("agent log lines about the failing migration of %s in %.0f min", vm, minutes)
            .isBetween(1L, (long) (LOG_LINES_PER_VM_PER_MINUTE * minutes));
      }
    }
  }

  private void drainGivingUp(long drained) throws InterruptedException {
    api.startMaintenance("dr-1");
    eventually(
        Duration.ofSeconds(90),
        () -> {
          for (String vm : VMS) {
            var status = vm(vm).getStatus();
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(status.getHost()).isEqualTo("dr-1");
            assertThat(status.getReason()).isEqualTo("MigrationFailed");
            assertThat(status.getMessage())
                .contains("dr-2", Settings.MIGRATION_ATTEMPTS + " times", "migration-failure");
          }
        });
    long gaveUpAfter = Duration.ofNanos(System.nanoTime() - drained).toMillis();
    // the drain leaves them there: no new attempt, the instance still runs on dr-1
    Thread.sleep(5_000);
    for (String vm : VMS) {
      assertThat(vm(vm).getStatus().getPhase()).isEqualTo("Running");
      assertThat(vm(vm).getStatus().getReason()).isEqualTo("MigrationFailed");
    }
    List<InstanceReport> onDr1 = host("dr-1").getStatus().getReported().getInstances();
    assertThat(onDr1)
        .extracting(InstanceReport::getVm)
        .containsExactlyInAnyOrder(APPS + "/db-1", APPS + "/db-2");
    assertThat(api.hostPhase("dr-1")).isEqualTo("PreparingForMaintenance");
    // the host says which VMs hold the drain up and why: a condition, one Warning event per VM
    Condition drainedCondition =
        host("dr-1").getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Drained"))
            .findFirst()
            .orElseThrow();
    System.out.printf(
        "dr-1 Drained=%s %s: %s%n",
        drainedCondition.getStatus(), drainedCondition.getReason(), drainedCondition.getMessage());
    assertThat(drainedCondition.getStatus()).isEqualTo("False");
    assertThat(drainedCondition.getReason()).isEqualTo("MigrationFailed");
    assertThat(drainedCondition.getMessage())
        .contains("cannot move 2 VMs", APPS + "/db-1", APPS + "/db-2", "dr-2", "migration-failure");
    eventually(
        () -> {
          for (String vm : VMS) {
            assertThat(hostEvents("dr-1", "MigrationFailed"))
                .filteredOn(e -> e.getNote().contains(APPS + "/" + vm))
                .singleElement()
                .satisfies(
                    e -> {
                      assertThat(e.getType()).isEqualTo("Warning");
                      assertThat(e.getNote()).contains("dr-2", "migration-failure");
                    });
          }
        });
    System.out.printf(
        "drain of dr-1 with migrations to dr-2 refused: gave up on %s after %d ms (%d attempts"
            + " each)%n",
        VMS, gaveUpAfter, Settings.MIGRATION_ATTEMPTS);
  }

  static List<Event> hostEvents(String host, String reason) {
    return api.admin().events().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> host.equals(e.getRegarding().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  static VirtualMachine vm(String name) {
    return api.admin().resources(VirtualMachine.class).inNamespace(APPS).withName(name).get();
  }

  static VmHost host(String name) {
    return api.admin().resources(VmHost.class).withName(name).get();
  }
}
