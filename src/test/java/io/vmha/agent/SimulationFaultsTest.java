package io.vmha.agent;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.api.VmhaApi;
import io.vmha.operator.MockApi;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulation harness: faults by annotation, the watchdog, guest agents. */
@EnableKubernetesMockClient(crud = true)
class SimulationFaultsTest {
  static KubernetesClient client;
  AgentFixture api;
  SimulatedDatacenter dc;

  @BeforeAll
  static void crds() throws Exception {
    MockApi.installCrds(client);
  }

  @BeforeEach
  void start() {
    api = new AgentFixture(client);
    api.sharedRepository();
    dc =
        new SimulatedDatacenter(
                client,
                AgentFixture.fastSimulation()
                    .withWatchdog(Duration.ofMillis(500))
                    .withGuestHeartbeat(Duration.ofMillis(100), Duration.ofSeconds(2)))
            .start();
  }

  @AfterEach
  void stop() {
    dc.close();
  }

  void runningVmOn(String host, String vm) {
    api.host(host);
    dc.addHost(host);
    api.placedVm(vm, host, "Starting");
    eventually().until(() -> api.reportedInstance(host, vm).isPresent());
  }

  @Test
  void agentDownStopsHeartbeatsWhileInstancesRunAndGuestLeasesAreRenewed() {
    runningVmOn("ad-1", "vm-ad");
    api.annotateHost("ad-1", SimulatedDatacenter.WATCHDOG_ANNOTATION, "off");
    api.guestAgent("vm-ad", true);
    eventually().until(() -> guestRenewTime("vm-ad") != null);

    api.annotateHost("ad-1", Fault.ANNOTATION, "agent-down");
    eventually().until(() -> dc.agent("ad-1") == null);
    ZonedDateTime lastHeartbeat = api.hostRenewTime("ad-1");
    // the guest keeps renewing (F3) while the host's heartbeat stands still
    for (int i = 0; i < 3; i++) {
      ZonedDateTime guest = guestRenewTime("vm-ad");
      eventually().until(() -> guestRenewTime("vm-ad").isAfter(guest));
    }
    assertThat(api.hostRenewTime("ad-1")).isEqualTo(lastHeartbeat);
    assertThat(dc.whereRuns("vm-ad")).containsExactly("ad-1");
    assertThat(dc.watchdogResets("ad-1")).isZero();

    Lease guest =
        client
            .leases()
            .inNamespace(AgentFixture.VM_NS)
            .withName(VmhaApi.guestLeaseName("vm-ad"))
            .get();
    assertThat(guest.getMetadata().getLabels()).containsEntry("vmha.io/lease-kind", "guest");

    // healing restarts the agent, which heartbeats again
    api.annotateHost("ad-1", Fault.ANNOTATION, null);
    eventually()
        .until(() -> dc.agent("ad-1") != null && api.hostRenewTime("ad-1").isAfter(lastHeartbeat));
    assertThat(dc.agentStarts("ad-1")).isEqualTo(2);
  }

  @Test
  void underSelfFenceTheWatchdogResetsAHostWhoseAgentDied() {
    runningVmOn("wd-1", "vm-wd");
    api.annotateHost("wd-1", Fault.ANNOTATION, "agent-down");
    eventually().until(() -> dc.watchdogResets("wd-1") == 1);
    assertThat(dc.whereRuns("vm-wd")).isEmpty();
  }

  @Test
  void hostCrashLosesEverythingAndHealingBootsItEmpty() {
    runningVmOn("hc-1", "vm-hc");
    api.annotateHost("hc-1", Fault.ANNOTATION, "host-crash");
    eventually().until(() -> dc.agent("hc-1") == null);
    assertThat(dc.whereRuns("vm-hc")).isEmpty();
    assertThat(dc.driver("hc-1").isPoweredOn()).isFalse();

    // the VM is still placed there (the test plays an operator that has not re-placed it yet)
    api.annotateHost("hc-1", Fault.ANNOTATION, null);
    eventually().until(() -> dc.whereRuns("vm-hc").equals(Set.of("hc-1")));
  }

  @Test
  void severalFaultsAtOnceAndProgrammaticFaults() {
    runningVmOn("multi-1", "vm-multi");
    api.annotateHost("multi-1", Fault.ANNOTATION, "storage-down, network-down");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(api.reported("multi-1").getStorageConnected()).isFalse();
              assertThat(api.reported("multi-1").getNetworkConnected()).isFalse();
            });
    dc.setFaults("multi-1", EnumSet.noneOf(Fault.class));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(api.reported("multi-1").getStorageConnected()).isTrue();
              assertThat(api.reported("multi-1").getNetworkConnected()).isTrue();
            });
  }

  private ZonedDateTime guestRenewTime(String vm) {
    Lease lease =
        client.leases().inNamespace(AgentFixture.VM_NS).withName(VmhaApi.guestLeaseName(vm)).get();
    return lease == null ? null : lease.getSpec().getRenewTime();
  }
}
