package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.operator.MockApi;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Set;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** F4 with an injected clock: the agents' time only passes when the test moves it. */
@EnableKubernetesMockClient(crud = true)
class SelfFencingTest {
  static KubernetesClient client;
  AgentFixture api;
  MutableClock clock;
  SimulatedDatacenter dc;

  @BeforeAll
  static void crds() throws Exception {
    MockApi.installCrds(client);
  }

  @BeforeEach
  void start() {
    api = new AgentFixture(client);
    api.sharedRepository();
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    dc = new SimulatedDatacenter(client, AgentFixture.fastSimulation().withClock(clock)).start();
  }

  @AfterEach
  void stop() {
    dc.close();
  }

  /** Patient: on a loaded CI machine a peer answer or a watch event can take seconds. */
  static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions();
  }

  /** Two hosts that know each other's peer endpoint, each running one VM. */
  void twoHostsWithOneVmEach(String a, String b) {
    for (String host : new String[] {a, b}) {
      api.host(host);
      dc.addHost(host);
      api.placedVm("vm-" + host, host, "Running");
    }
    eventually()
        .until(
            () ->
                api.reportedInstance(a, "vm-" + a).isPresent()
                    && api.reportedInstance(b, "vm-" + b).isPresent()
                    && api.reported(a).getEndpoint() != null
                    && api.reported(b).getEndpoint() != null);
    // each agent reads its peers' endpoints from the cache on its next tick
    awaitTicks(a);
    awaitTicks(b);
  }

  void awaitTicks(String host) {
    ZonedDateTime before = api.hostRenewTime(host);
    eventually().until(() -> api.hostRenewTime(host).isAfter(before));
    ZonedDateTime next = api.hostRenewTime(host);
    eventually().until(() -> api.hostRenewTime(host).isAfter(next));
  }

  @Test
  void aHostCutOffFromTheApiWhosePeerReachesItStopsItsInstancesAfterSelfFenceAfter() {
    twoHostsWithOneVmEach("cut-a", "cut-b");
    dc.setFaults("cut-a", EnumSet.of(Fault.API_PARTITION));
    HostAgent agent = dc.agent("cut-a");

    // not yet selfFenceAfter (1 s) by the agents' clock: nothing happens, however long we wait
    clock.advance(Duration.ofMillis(900));
    awaitTicks("cut-b");
    assertThat(agent.lastSelfFenceDecision()).isEqualTo(SelfFencing.Decision.Healthy);
    assertThat(dc.whereRuns("vm-cut-a")).containsExactly("cut-a");

    clock.advance(Duration.ofMillis(200));
    eventually().until(agent::isSelfFenced);
    assertThat(agent.lastPeerVerdict().reachingPeer()).isEqualTo("cut-b");
    eventually().until(() -> dc.whereRuns("vm-cut-a").isEmpty());
    assertThat(dc.whereRuns("vm-cut-b")).containsExactly("cut-b");

    // a fenced agent stays quiet: no renewal even once the API is back, until the grace period
    // passed
    ZonedDateTime lastRenewal = api.hostRenewTime("cut-a");
    dc.setFaults("cut-a", Set.of());
    awaitTicks("cut-b");
    assertThat(api.hostRenewTime("cut-a")).isEqualTo(lastRenewal);
    assertThat(agent.isSelfFenced()).isTrue();

    clock.advance(Duration.ofSeconds(2));
    eventually().until(() -> api.hostRenewTime("cut-a").isAfter(lastRenewal));
    assertThat(agent.isSelfFenced()).isFalse();
    // it comes back like a fresh agent: the VM still placed on it is started again
    eventually().until(() -> dc.whereRuns("vm-cut-a").equals(Set.of("cut-a")));
  }

  /**
   * The agent process dies and comes back while its host is cut off from the API server. It cannot
   * read its Lease nor its peers from the API server: it counts from the last renewal in its
   * journal and asks the peers it recorded there, so it fences when the operator expects it to
   * (selfFenceAfter after that renewal), not selfFenceAfter after its own start.
   */
  @Test
  void anAgentRestartedBehindAPartitionFencesFromItsLastRenewal() {
    twoHostsWithOneVmEach("rs-a", "rs-b");
    dc.setFaults("rs-a", EnumSet.of(Fault.AGENT_DOWN, Fault.API_PARTITION));
    clock.advance(Duration.ofMillis(900));
    dc.setFaults("rs-a", EnumSet.of(Fault.API_PARTITION)); // a new agent process, still cut off
    HostAgent restarted = dc.agent("rs-a");
    awaitTicks("rs-b");
    assertThat(restarted.isSelfFenced()).isFalse();
    assertThat(dc.whereRuns("vm-rs-a")).containsExactly("rs-a");

    // 1.1 s after the last renewal, 0.2 s after the restart: due now, by the journal's clock
    clock.advance(Duration.ofMillis(200));
    eventually().until(restarted::isSelfFenced);
    assertThat(restarted.lastPeerVerdict().reachingPeer()).isEqualTo("rs-b");
    eventually().until(() -> dc.whereRuns("vm-rs-a").isEmpty());
    assertThat(dc.whereRuns("vm-rs-b")).containsExactly("rs-b");
  }

  @Test
  void anApiOutageForEveryoneFencesNothing() {
    twoHostsWithOneVmEach("out-a", "out-b");
    dc.setFaults("out-a", EnumSet.of(Fault.API_PARTITION));
    dc.setFaults("out-b", EnumSet.of(Fault.API_PARTITION));
    clock.advance(Duration.ofSeconds(5));

    for (String host : new String[] {"out-a", "out-b"}) {
      HostAgent agent = dc.agent(host);
      eventually()
          .untilAsserted(
              () -> {
                assertThat(agent.lastSelfFenceDecision()).isEqualTo(SelfFencing.Decision.ApiOutage);
                PeerClient.Verdict verdict = agent.lastPeerVerdict();
                // peers of earlier tests in this class are still listed, with dead endpoints
                assertThat(verdict.asked()).isPositive();
                assertThat(verdict.answered()).isPositive();
                assertThat(verdict.someoneReachesApi()).isFalse();
              });
    }
    assertThat(dc.whereRuns("vm-out-a")).containsExactly("out-a");
    assertThat(dc.whereRuns("vm-out-b")).containsExactly("out-b");
    assertThat(dc.agent("out-a").isSelfFenced()).isFalse();
    assertThat(dc.agent("out-b").isSelfFenced()).isFalse();
  }

  @Test
  void withoutAnswersFromPeersNothingIsFenced() {
    twoHostsWithOneVmEach("dead-a", "dead-b");
    dc.setFaults("dead-b", EnumSet.of(Fault.AGENT_DOWN));
    dc.setFaults("dead-a", EnumSet.of(Fault.API_PARTITION));
    clock.advance(Duration.ofSeconds(5));
    HostAgent agent = dc.agent("dead-a");
    eventually()
        .untilAsserted(
            () -> {
              assertThat(agent.lastSelfFenceDecision()).isEqualTo(SelfFencing.Decision.ApiOutage);
              assertThat(agent.lastPeerVerdict().asked()).isPositive();
              assertThat(agent.lastPeerVerdict().answered()).isZero();
            });
    assertThat(dc.whereRuns("vm-dead-a")).containsExactly("dead-a");
  }
}
