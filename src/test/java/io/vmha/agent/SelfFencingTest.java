package io.vmha.agent;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.core.model.FencingPolicy;
import io.vmha.operator.MockApi;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** F4 with an injected clock: the agents' time only passes when the test moves it. */
@EnableKubernetesMockClient(crud = true)
class SelfFencingTest {
  static final Duration GRACE = Duration.ofSeconds(3);
  static final HttpClient ANYONE = HttpClient.newHttpClient();
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
    // hosts of earlier tests would count in the fleet the freeze is measured against (H5)
    client.resources(VmHost.class).delete();
    client.resources(VirtualMachine.class).inAnyNamespace().delete();
    api = new AgentFixture(client);
    api.sharedRepository();
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    dc = datacenter().start();
  }

  SimulatedDatacenter datacenter() {
    AgentOptions agent = AgentFixture.fastAgent(FencingPolicy.SelfFence, GRACE);
    // grace 3 s: H1's margin gives the peers almost a second to answer on a loaded machine
    assertThat(agent.peerTimeout()).isEqualTo(Duration.ofMillis(950));
    return new SimulatedDatacenter(client, AgentFixture.fastSimulation(agent).withClock(clock));
  }

  /** The demo's simulation: every host reaches the API server and its peers through proxies. */
  void networkPerHost() {
    dc.close();
    dc = datacenter().networkPerHost().start();
  }

  @AfterEach
  void stop() {
    dc.close();
  }

  /** Two hosts that know each other's peer endpoint, each running one VM. */
  void twoHostsWithOneVmEach(String a, String b) {
    hostsWithOneVmEach(a, b);
  }

  /** Hosts that know each other's peer endpoint, each running one VM named vm-HOST. */
  void hostsWithOneVmEach(String... hosts) {
    for (String host : hosts) {
      api.host(host);
      dc.addHost(host);
      api.placedVm("vm-" + host, host, "Starting");
    }
    for (String host : hosts) {
      eventually()
          .until(
              () ->
                  api.reportedInstance(host, "vm-" + host).isPresent()
                      && api.reported(host).getEndpoint() != null);
    }
    // each agent reads its peers' endpoints from the cache on its next tick
    for (String host : hosts) {
      awaitTicks(host);
    }
  }

  /**
   * Host {@code cut} (one VM) is cut off from the API server while its peer {@code peer} renews and
   * reaches it: nothing happens before selfFenceAfter (1 s) by the agents' clock, however long we
   * wait; then it fences itself, its VM stops, the peer's runs on.
   */
  HostAgent cutOffUntilFenced(String cut, String peer) {
    twoHostsWithOneVmEach(cut, peer);
    dc.setFaults(cut, EnumSet.of(Fault.API_PARTITION));
    HostAgent agent = dc.agent(cut);

    clock.advance(Duration.ofMillis(900));
    awaitTicks(peer);
    assertThat(agent.lastSelfFenceDecision()).isEqualTo(SelfFencing.Decision.Healthy);
    assertThat(dc.whereRuns("vm-" + cut)).containsExactly(cut);

    clock.advance(Duration.ofMillis(200));
    eventually().until(agent::isSelfFenced);
    assertThat(agent.lastPeerVerdict().reachingPeer()).isEqualTo(peer);
    eventually().until(() -> dc.whereRuns("vm-" + cut).isEmpty());
    assertThat(dc.whereRuns("vm-" + peer)).containsExactly(peer);
    return agent;
  }

  void awaitTicks(String host) {
    // a host can report before its first renewal lands (its first one can fail on a fresh
    // connection): there is no renew time to count from until then
    eventually().until(() -> api.hostRenewTime(host) != null);
    ZonedDateTime before = api.hostRenewTime(host);
    eventually().until(() -> api.hostRenewTime(host).isAfter(before));
    ZonedDateTime next = api.hostRenewTime(host);
    eventually().until(() -> api.hostRenewTime(host).isAfter(next));
  }

  @Test
  void aHostCutOffFromTheApiWhosePeerReachesItStopsItsInstancesAfterSelfFenceAfter() {
    HostAgent agent = cutOffUntilFenced("cut-a", "cut-b");

    // a fenced agent stays quiet: no renewal even once the API is back, until the grace period
    // passed
    ZonedDateTime lastRenewal = api.hostRenewTime("cut-a");
    dc.setFaults("cut-a", Set.of());
    awaitTicks("cut-b");
    assertThat(api.hostRenewTime("cut-a")).isEqualTo(lastRenewal);
    assertThat(agent.isSelfFenced()).isTrue();

    clock.advance(GRACE.minusMillis(1100));
    eventually().until(() -> api.hostRenewTime("cut-a").isAfter(lastRenewal));
    assertThat(agent.isSelfFenced()).isFalse();
    // R7: it reports the fence and starts nothing until the operator acknowledged it
    eventually().until(() -> api.reported("cut-a").getSelfFencedAt() != null);
    String fencedAt = api.reported("cut-a").getSelfFencedAt();
    awaitTicks("cut-a");
    assertThat(dc.whereRuns("vm-cut-a")).isEmpty();
    api.patchHostStatus("cut-a", java.util.Map.of("selfFenceAcknowledged", fencedAt));
    // then it comes back like a fresh agent: the VM still placed on it is started again
    eventually().until(() -> dc.whereRuns("vm-cut-a").equals(Set.of("cut-a")));
    eventually().until(() -> api.reported("cut-a").getSelfFencedAt() == null);
  }

  /**
   * R7 across a restart: an agent that fenced and dies before the operator acknowledged the fence
   * comes back still waiting for the acknowledgement (its journal kept the fence): the VM still
   * placed on it stays stopped, so it cannot race the operator's re-placement of that VM.
   */
  @Test
  void anAgentRestartedBeforeItsSelfFenceIsAcknowledgedStartsNothing() {
    HostAgent agent = cutOffUntilFenced("ra-a", "ra-b");
    dc.setFaults("ra-a", Set.of());
    clock.advance(GRACE);
    eventually().until(() -> api.reported("ra-a").getSelfFencedAt() != null);
    String fencedAt = api.reported("ra-a").getSelfFencedAt();

    dc.setFaults("ra-a", EnumSet.of(Fault.AGENT_DOWN));
    dc.setFaults("ra-a", Set.of());
    HostAgent restarted = dc.agent("ra-a");
    assertThat(restarted).isNotSameAs(agent);
    for (int i = 0; i < 3; i++) {
      awaitTicks("ra-a");
    }
    assertThat(dc.whereRuns("vm-ra-a")).as("started before the acknowledgement").isEmpty();
    assertThat(api.reported("ra-a").getSelfFencedAt()).isEqualTo(fencedAt);

    api.patchHostStatus("ra-a", java.util.Map.of("selfFenceAcknowledged", fencedAt));
    eventually().until(() -> dc.whereRuns("vm-ra-a").equals(Set.of("ra-a")));
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
    apiOutageForEveryoneFencesNothing("out-a", "out-b", "out-c");
  }

  /** The API proxies of all hosts refuse, their peer paths pass: the peers confirm the outage. */
  @Test
  void anApiOutageForEveryoneOnNetworksOfTheirOwnFencesNothing() {
    networkPerHost();
    String[] hosts = {"net-out-a", "net-out-b", "net-out-c"};
    apiOutageForEveryoneFencesNothing(hosts);
    // healed, else closing waits for work loops still retrying a read of the settings (~20 s each)
    for (String host : hosts) {
      dc.setFaults(host, Set.of());
    }
  }

  void apiOutageForEveryoneFencesNothing(String... hosts) {
    hostsWithOneVmEach(hosts);
    for (String host : hosts) {
      dc.setFaults(host, EnumSet.of(Fault.API_PARTITION));
    }
    clock.advance(Duration.ofSeconds(5));

    for (String host : hosts) {
      HostAgent agent = dc.agent(host);
      eventually()
          .untilAsserted(
              () -> {
                assertThat(agent.lastSelfFenceDecision()).isEqualTo(SelfFencing.Decision.ApiOutage);
                PeerClient.Verdict verdict = agent.lastPeerVerdict();
                // 3 hosts, maxUnhealthyFraction 0.5: this one and one peer are more than half
                assertThat(verdict.needed()).isEqualTo(1);
                assertThat(verdict.confirmed()).isPositive();
                assertThat(verdict.someoneReachesApi()).isFalse();
              });
    }
    for (String host : hosts) {
      assertThat(dc.whereRuns("vm-" + host)).containsExactly(host);
      assertThat(dc.agent(host).isSelfFenced()).isFalse();
    }
  }

  /**
   * The split-brain case: a host loses the API server and its peers alike, but not its storage. The
   * operator sees one silent host of three, fails its VMs over after the grace period, and trusts
   * it to have stopped them by selfFenceAfter. Silence from the peers is no proof of an outage.
   */
  @Test
  void aHostCutOffFromTheApiAndFromItsPeersFencesOnTime() {
    hostsWithOneVmEach("iso-a", "iso-b", "iso-c");
    dc.setFaults("iso-a", EnumSet.of(Fault.ISOLATED));
    isolatedHostFencesOnTime("iso-a", "iso-b", "iso-c");
  }

  /**
   * The same with the demo's networks: {@code isolated} refuses the host's peer proxies, not a flag
   * the agents read. Its peers are refused at its endpoint, it asks both peers and none of its
   * questions gets through, though the peers answer anyone else.
   */
  @Test
  void anIsolatedHostOnANetworkOfItsOwnIsRefusedByAndToItsPeersAndFencesOnTime() throws Exception {
    networkPerHost();
    hostsWithOneVmEach("niso-a", "niso-b", "niso-c");
    String isolated = api.reported("niso-a").getEndpoint();
    String peer = api.reported("niso-b").getEndpoint();
    assertThat(isolated).matches("http://127\\.0\\.0\\.1:\\d+/hosts/niso-a");
    assertThat(URI.create(isolated).getPort()).isNotEqualTo(URI.create(peer).getPort());
    assertThat(unauthenticatedAsk(isolated)).isEqualTo(401);

    dc.setFaults("niso-a", EnumSet.of(Fault.ISOLATED));
    assertThatThrownBy(() -> unauthenticatedAsk(isolated)).isInstanceOf(ConnectException.class);
    assertThat(unauthenticatedAsk(peer)).isEqualTo(401);
    PeerClient.Verdict verdict = isolatedHostFencesOnTime("niso-a", "niso-b", "niso-c");
    assertThat(verdict.asked()).isEqualTo(2);

    dc.setFaults("niso-a", Set.of());
    eventually().until(() -> unauthenticatedAsk(isolated) == 401);
  }

  /** The HTTP status of a question without the token, as anyone on the network may ask it. */
  static int unauthenticatedAsk(String endpoint) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(endpoint + PeerServer.API_REACHABLE_PATH)).build();
    return ANYONE.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * Host {@code cut}, isolated now, fences after selfFenceAfter (1 s) by the agents' clock with no
   * peer's answer; the peers' VMs run on. Returns what it heard from its peers.
   */
  PeerClient.Verdict isolatedHostFencesOnTime(String cut, String... peers) {
    HostAgent agent = dc.agent(cut);
    clock.advance(Duration.ofMillis(900));
    awaitTicks(peers[0]);
    assertThat(dc.whereRuns("vm-" + cut)).containsExactly(cut);

    clock.advance(Duration.ofMillis(200));
    eventually().until(agent::isSelfFenced);
    PeerClient.Verdict verdict = agent.lastPeerVerdict();
    assertThat(verdict.answered()).isZero();
    assertThat(verdict.needed()).isEqualTo(1);
    eventually().until(() -> dc.whereRuns("vm-" + cut).isEmpty());
    for (String peer : peers) {
      assertThat(dc.whereRuns("vm-" + peer)).containsExactly(peer);
    }
    return verdict;
  }

  @Test
  void silentPeersConfirmNoOutage() {
    twoHostsWithOneVmEach("dead-a", "dead-b");
    dc.setFaults("dead-b", EnumSet.of(Fault.AGENT_DOWN));
    dc.setFaults("dead-a", EnumSet.of(Fault.API_PARTITION));
    clock.advance(Duration.ofSeconds(5));
    HostAgent agent = dc.agent("dead-a");
    eventually().until(agent::isSelfFenced);
    assertThat(agent.lastPeerVerdict().asked()).isEqualTo(1);
    assertThat(agent.lastPeerVerdict().answered()).isZero();
    eventually().until(() -> dc.whereRuns("vm-dead-a").isEmpty());
  }
}
