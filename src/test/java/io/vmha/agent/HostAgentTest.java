package io.vmha.agent;

import static io.vmha.Eventually.eventually;
import static io.vmha.agent.AgentFixture.VM_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulatedDriver;
import io.vmha.api.AgentReport;
import io.vmha.api.InstanceReport;
import io.vmha.api.Resources;
import io.vmha.api.VmhaApi;
import io.vmha.operator.MockApi;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's duties of docs/agent-protocol.md, with the test playing the operator. */
@EnableKubernetesMockClient(crud = true)
class HostAgentTest {
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
    dc = new SimulatedDatacenter(client, AgentFixture.fastSimulation()).start();
  }

  @AfterEach
  void stop() {
    dc.close();
  }

  /** Waits until the host's heartbeat Lease was renewed {@code times} more times: ticks passed. */
  void awaitHeartbeats(String host, int times) {
    for (int i = 0; i < times; i++) {
      ZonedDateTime before = api.hostRenewTime(host);
      eventually()
          .until(
              () -> {
                ZonedDateTime now = api.hostRenewTime(host);
                return now != null && (before == null || now.isAfter(before));
              });
    }
  }

  @Test
  void createsAndRenewsItsHeartbeatLease() {
    api.host("hb-1");
    dc.addHost("hb-1");
    eventually()
        .untilAsserted(
            () -> {
              Lease lease = api.hostLease("hb-1");
              assertThat(lease).isNotNull();
              assertThat(lease.getMetadata().getLabels())
                  .containsEntry("vmha.io/lease-kind", "host")
                  .containsEntry(VmhaApi.HOST_LABEL, "hb-1");
              assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("hb-1");
              assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(2);
            });
    ZonedDateTime first = api.hostRenewTime("hb-1");
    eventually().until(() -> api.hostRenewTime("hb-1").isAfter(first));
  }

  /**
   * R6: an agent that runs other settings than the operator publishes starts nothing (its heartbeat
   * and fencing go on), and starts again once they match.
   */
  @Test
  void startsNothingWhileItRunsOtherSettingsThanTheOperatorPublishes() {
    publishSettings("PT5S");
    try {
      api.host("refuse-1");
      dc.addHost("refuse-1");
      api.placedVm("held", "refuse-1", "Starting");
      eventually().until(() -> api.reported("refuse-1") != null);
      awaitHeartbeats("refuse-1", 15); // past a re-read of the published settings
      assertThat(dc.whereRuns("held")).isEmpty();

      publishSettings("PT1S"); // what this agent runs
      eventually().until(() -> dc.whereRuns("held").equals(Set.of("refuse-1")));
    } finally {
      client
          .configMaps()
          .inNamespace(AgentFixture.LEASE_NS)
          .withName(VmhaApi.SETTINGS_CONFIG_MAP)
          .delete();
    }
  }

  private void publishSettings(String selfFenceAfter) {
    client
        .configMaps()
        .inNamespace(AgentFixture.LEASE_NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(VmhaApi.SETTINGS_CONFIG_MAP)
                .endMetadata()
                .addToData("heartbeatInterval", "PT0.1S")
                .addToData("selfFenceAfter", selfFenceAfter)
                .addToData("hostGracePeriod", "PT2S")
                .addToData("fencing", "SelfFence")
                .addToData("maxUnhealthyFraction", "0.5")
                .build())
        .createOr(r -> r.update());
  }

  /** R6: the operator compares what the agent runs with its own settings. */
  @Test
  void reportsTheSettingsItRuns() {
    api.host("set-1");
    dc.addHost("set-1");
    eventually()
        .untilAsserted(
            () -> {
              var settings = api.reported("set-1").getSettings();
              assertThat(settings.getHeartbeatInterval()).isEqualTo("PT0.1S");
              assertThat(settings.getSelfFenceAfter()).isEqualTo("PT1S");
              assertThat(settings.getHostGracePeriod()).isEqualTo("PT2S");
              assertThat(settings.getFencing()).isEqualTo("SelfFence");
              assertThat(settings.getMaxUnhealthyFraction()).isEqualTo(0.5);
            });
  }

  @Test
  void reportsConnectivityRepositoriesEndpointAndDriver() {
    api.host("rep-1");
    dc.addHost("rep-1");
    eventually()
        .untilAsserted(
            () -> {
              AgentReport report = api.reported("rep-1");
              assertThat(report).isNotNull();
              assertThat(report.getStorageConnected()).isTrue();
              assertThat(report.getNetworkConnected()).isTrue();
              assertThat(report.getReachableRepositories())
                  .containsExactly(AgentFixture.SHARED_REPO);
              assertThat(report.getDriver()).isEqualTo("simulated");
              assertThat(report.getEndpoint())
                  .startsWith("http://127.0.0.1:")
                  .endsWith("/hosts/rep-1");
              assertThat(report.getMigrationUri()).isEqualTo("sim://rep-1");
              assertThat(report.getFenced()).isFalse();
              assertThat(report.getInstances()).isEmpty();
              assertThat(report.getAgentVersion()).isEqualTo("test");
            });
  }

  @Test
  void startsAPlacedVmAndReportsItRunning() {
    api.host("run-1");
    dc.addHost("run-1");
    api.placedVm("vm-run", "run-1", "Starting");
    eventually()
        .untilAsserted(
            () -> {
              InstanceReport instance = api.reportedInstance("run-1", "vm-run").orElseThrow();
              assertThat(instance.getState()).isEqualTo("Running");
              assertThat(instance.getVm()).isEqualTo(VM_NS + "/vm-run");
              assertThat(instance.getResources().getCpus()).isEqualTo(2);
              assertThat(instance.getResources().getMemoryMiB()).isEqualTo(2048L);
            });
    assertThat(dc.whereRuns("vm-run")).containsExactly("run-1");
  }

  /**
   * A report the network delivered late (sent before newer ones, arriving after them) must not
   * stand: the operator would take an instance stopped since for one that still runs, and hold its
   * VM's restart elsewhere for it. The agent writes only what changed, yet it writes its current
   * report again once it sees the older one hold.
   */
  @Test
  void aReportThatArrivedLateIsWrittenOverWithTheCurrentOne() {
    api.host("late-1");
    dc.addHost("late-1");
    api.placedVm("vm-late", "late-1", "Starting");
    eventually().until(() -> api.reportedInstance("late-1", "vm-late").isPresent());
    AgentReport before = api.reported("late-1");
    api.patchVmStatus("vm-late", Map.of("phase", "Stopping"));
    eventually().until(() -> api.reportedInstance("late-1", "vm-late").isEmpty());

    api.replaceReport("late-1", before);
    assertThat(api.reportedInstance("late-1", "vm-late")).isPresent();

    eventually().until(() -> api.reportedInstance("late-1", "vm-late").isEmpty());
    assertThat(dc.whereRuns("vm-late")).isEmpty();
  }

  /**
   * A template names its instances {@code <template>-<n>} per namespace: two namespaces' templates
   * of the same name put two instances of the same name on one host. Each is its own.
   */
  @Test
  void theSameInstanceNameInTwoNamespacesRunsTwiceAndStopsOnce() {
    api.host("ns-1");
    dc.addHost("ns-1");
    api.placedVm("team-a", "web", "webtemplate-1", "ns-1", "Starting");
    api.placedVm("team-b", "web", "webtemplate-1", "ns-1", "Starting");
    eventually()
        .untilAsserted(
            () ->
                assertThat(api.reported("ns-1").getInstances())
                    .filteredOn(i -> i.getName().equals("webtemplate-1"))
                    .extracting(InstanceReport::getVm, InstanceReport::getState)
                    .containsExactlyInAnyOrder(
                        tuple("team-a/web", "Running"), tuple("team-b/web", "Running")));

    api.patchVmStatus("team-a", "web", Map.of("phase", "Stopping"));
    eventually()
        .untilAsserted(
            () ->
                assertThat(api.reported("ns-1").getInstances())
                    .filteredOn(i -> i.getName().equals("webtemplate-1"))
                    .extracting(InstanceReport::getVm)
                    .containsExactly("team-b/web"));
  }

  @Test
  void stoppingPhaseStopsTheInstance() {
    api.host("stop-1");
    dc.addHost("stop-1");
    api.placedVm("vm-stop", "stop-1", "Starting");
    eventually().until(() -> api.reportedInstance("stop-1", "vm-stop").isPresent());
    api.patchVmStatus("vm-stop", Map.of("phase", "Stopping"));
    eventually().until(() -> dc.whereRuns("vm-stop").isEmpty());
    eventually().until(() -> api.reportedInstance("stop-1", "vm-stop").isEmpty());
  }

  @Test
  void stopsTheInstancesItIsTold() throws Exception {
    api.host("stale-1");
    SimulatedDriver driver = dc.addHost("stale-1");
    driver.start(
        new InstanceRef(VM_NS + "/moved", "old-copy"),
        new Resources(1, 512),
        new io.vmha.api.ImageRef(AgentFixture.SHARED_REPO, "images/moved.qcow2"));
    eventually().until(() -> api.reportedInstance("stale-1", "old-copy").isPresent());
    api.patchHostStatus(
        "stale-1",
        Map.of(
            "instancesToStop",
            List.of(Map.of("name", "old-copy", "vm", VM_NS + "/moved", "reason", "Stale"))));
    eventually().until(() -> driver.instances().isEmpty());
    eventually().until(() -> api.reportedInstanceNames("stale-1").isEmpty());
  }

  @Test
  void storageLossPausesInstancesAndIsReportedThenResumes() {
    api.host("sto-1");
    dc.addHost("sto-1");
    api.placedVm("vm-sto", "sto-1", "Starting");
    eventually().until(() -> api.reportedInstance("sto-1", "vm-sto").isPresent());

    api.annotateHost("sto-1", Fault.ANNOTATION, "storage-down");
    eventually()
        .untilAsserted(
            () -> {
              AgentReport report = api.reported("sto-1");
              assertThat(report.getStorageConnected()).isFalse();
              assertThat(report.getReachableRepositories()).isEmpty();
              InstanceReport instance = api.reportedInstance("sto-1", "vm-sto").orElseThrow();
              assertThat(instance.getState()).isEqualTo("Paused");
              assertThat(instance.getReason()).isEqualTo(HostAgent.STORAGE_LOST);
            });

    api.annotateHost("sto-1", Fault.ANNOTATION, null);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(api.reported("sto-1").getStorageConnected()).isTrue();
              assertThat(api.reportedInstance("sto-1", "vm-sto").orElseThrow().getState())
                  .isEqualTo("Running");
            });
  }

  @Test
  void networkLossIsReported() {
    api.host("net-1");
    dc.addHost("net-1");
    api.annotateHost("net-1", Fault.ANNOTATION, "network-down");
    eventually()
        .until(
            () ->
                api.reported("net-1") != null
                    && Boolean.FALSE.equals(api.reported("net-1").getNetworkConnected()));
  }

  @Test
  void liveMigrationMovesTheInstanceToTheTargetsHypervisor() {
    api.host("mig-a");
    api.host("mig-b");
    dc.addHost("mig-a");
    dc.addHost("mig-b");
    api.placedVm("vm-mig", "mig-a", "Starting");
    eventually().until(() -> api.reportedInstance("mig-a", "vm-mig").isPresent());

    api.patchVmStatus(
        "vm-mig",
        Map.of(
            "phase",
            "Migrating",
            "migration",
            Map.of("sourceHost", "mig-a", "targetHost", "mig-b", "cause", "Maintenance")));

    eventually().until(() -> dc.whereRuns("vm-mig").equals(Set.of("mig-b")));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(api.reportedInstance("mig-b", "vm-mig").orElseThrow().getState())
                  .isEqualTo("Running");
              assertThat(api.reportedInstance("mig-a", "vm-mig")).isEmpty();
            });
  }

  @Test
  void aStorageLostInstanceMigratedToAHealthyHostIsResumedThere() {
    api.host("s1-b");
    dc.addHost("s1-b");
    pausedByStorageLoss("s1-a", "vm-s1");
    migrating("vm-s1", "s1-a", "s1-b");
    eventually()
        .untilAsserted(
            () ->
                assertThat(api.reportedInstance("s1-b", "vm-s1").orElseThrow().getState())
                    .isEqualTo("Running"));
  }

  /** A host of its own running {@code vm}, which its storage loss has paused. */
  private void pausedByStorageLoss(String host, String vm) {
    api.host(host);
    dc.addHost(host);
    api.placedVm(vm, host, "Starting");
    eventually().until(() -> api.reportedInstance(host, vm).isPresent());
    api.annotateHost(host, Fault.ANNOTATION, "storage-down");
    eventually()
        .until(
            () ->
                api.reportedInstance(host, vm)
                    .map(i -> i.getState().equals("Paused"))
                    .orElse(false));
  }

  /** The operator moves {@code vm} away from its host, which lost its storage. */
  private void migrating(String vm, String source, String target) {
    api.patchVmStatus(
        vm,
        Map.of(
            "phase",
            "Migrating",
            "migration",
            Map.of("sourceHost", source, "targetHost", target, "cause", "StorageLost")));
  }

  /**
   * A migration attempt of a paused guest that failed may have switched over before it failed (the
   * target runs the guest, this host kept its paused copy): the guest is not resumed here when the
   * storage comes back while the operator still moves it, only once the operator called the
   * migration off (the rule in {@code GuestStorageGuard}, which the agent meets as a VM no longer
   * placed here while it migrates away).
   */
  @Test
  void aPausedGuestWhoseMigrationFailedIsNotResumedUntilTheMigrationIsCalledOff() {
    pausedByStorageLoss("s1-c", "vm-s1c");
    // to a host outside the simulation: every attempt fails
    migrating("vm-s1c", "s1-c", "s1-gone");
    eventually()
        .until(
            () ->
                api.reportedInstance("s1-c", "vm-s1c")
                    .map(i -> i.getMigrationFailure() != null)
                    .orElse(false));

    api.annotateHost("s1-c", Fault.ANNOTATION, null);
    eventually().until(() -> Boolean.TRUE.equals(api.reported("s1-c").getStorageConnected()));
    awaitHeartbeats("s1-c", 3);
    assertThat(api.reportedInstance("s1-c", "vm-s1c").orElseThrow().getState())
        .as("still paused while the operator moves it")
        .isEqualTo("Paused");

    // called off, as the operator does once the host no longer needs emptying
    Map<String, Object> calledOff = new java.util.HashMap<>();
    calledOff.put("phase", "Paused");
    calledOff.put("migration", null);
    api.patchVmStatus("vm-s1c", calledOff);
    eventually()
        .untilAsserted(
            () ->
                assertThat(api.reportedInstance("s1-c", "vm-s1c").orElseThrow().getState())
                    .isEqualTo("Running"));
  }

  @Test
  void renewsTheSpmLeaseOnlyWhileHolderAndHealthy() {
    api.host("spm-1");
    api.host("spm-2");
    dc.addHost("spm-1");
    dc.addHost("spm-2");
    api.assignSpm("spm-1");
    ZonedDateTime assigned = api.spmRenewTime();
    eventually().until(() -> api.spmRenewTime().isAfter(assigned));
    eventually().until(() -> dc.agent("spm-1").spmRenewals() > 1);
    assertThat(dc.agent("spm-2").spmRenewals()).isZero();

    // storage lost: no longer healthy, no renewal
    api.annotateHost("spm-1", Fault.ANNOTATION, "storage-down");
    eventually().until(() -> Boolean.FALSE.equals(api.reported("spm-1").getStorageConnected()));
    awaitHeartbeats("spm-1", 1);
    int renewals = dc.agent("spm-1").spmRenewals();
    ZonedDateTime lastRenewal = api.spmRenewTime();
    awaitHeartbeats("spm-1", 5);
    assertThat(dc.agent("spm-1").spmRenewals()).isEqualTo(renewals);
    assertThat(api.spmRenewTime()).isEqualTo(lastRenewal);

    // storage back, role moved to spm-2: spm-2 renews, spm-1 does not
    api.annotateHost("spm-1", Fault.ANNOTATION, null);
    api.assignSpm("spm-2");
    eventually().until(() -> dc.agent("spm-2").spmRenewals() > 1);
    awaitHeartbeats("spm-1", 1);
    int spm1 = dc.agent("spm-1").spmRenewals();
    awaitHeartbeats("spm-1", 5);
    assertThat(dc.agent("spm-1").spmRenewals()).isEqualTo(spm1);
  }

  @Test
  void aFencingRequestIsCarriedOutAndReportedUntilCleared() {
    api.host("fen-1");
    dc.addHost("fen-1");
    api.assignSpm("fen-1");
    eventually().until(() -> dc.agent("fen-1").spmRenewals() > 1);
    api.placedVm("vm-fen", "fen-1", "Starting");
    eventually().until(() -> api.reportedInstance("fen-1", "vm-fen").isPresent());

    api.patchHostStatus(
        "fen-1", Map.of("fencing", Map.of("requested", true, "reason", "SpmStorageLost")));
    eventually().until(() -> Boolean.TRUE.equals(api.reported("fen-1").getFenced()));
    assertThat(dc.agent("fen-1").fenceRestarts()).isEqualTo(1);
    awaitHeartbeats("fen-1", 1);
    int renewals = dc.agent("fen-1").spmRenewals();
    awaitHeartbeats("fen-1", 5);
    assertThat(dc.agent("fen-1").spmRenewals()).isEqualTo(renewals);
    // the fencing restarts the agent, not the host: the VM keeps running
    assertThat(dc.whereRuns("vm-fen")).containsExactly("fen-1");

    Map<String, Object> cleared = new java.util.HashMap<>();
    cleared.put("fencing", null);
    api.patchHostStatus("fen-1", cleared);
    eventually().until(() -> Boolean.FALSE.equals(api.reported("fen-1").getFenced()));
    eventually().until(() -> dc.agent("fen-1").spmRenewals() > renewals);
  }

  @Test
  void aHostThatFailsStartsReportsTheInstanceFailed() {
    api.host("fail-1");
    dc.addHost("fail-1");
    api.annotateHost("fail-1", Fault.ANNOTATION, "start-failure");
    eventually().until(() -> dc.faults("fail-1").contains(Fault.START_FAILURE));
    api.placedVm("vm-fail", "fail-1", "Starting");
    eventually()
        .untilAsserted(
            () -> {
              InstanceReport instance = api.reportedInstance("fail-1", "vm-fail").orElseThrow();
              assertThat(instance.getState()).isEqualTo("Failed");
              assertThat(instance.getReason()).isEqualTo(SimulatedDriver.START_FAILURE);
            });
    assertThat(dc.whereRuns("vm-fail")).isEmpty();
  }
}
