package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.core.model.FencingPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat on its own (R1, R2, R5): what one renewal does to the Lease, the fencing clock and
 * the journal, when the API server acknowledges it, when it cannot be reached, and while the agent
 * is fenced.
 */
@EnableKubernetesMockClient(crud = true)
class HeartbeatTest {
  static final String NS = "vmha-system";
  static final Duration SELF_FENCE = Duration.ofSeconds(10);
  static final Duration GRACE = Duration.ofSeconds(15);
  static KubernetesClient client;

  final ManualTicker ticker = new ManualTicker();
  final AgentJournal journal = AgentJournal.inMemory();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final SelfFencing fencing =
      new SelfFencing(
          FencingPolicy.SelfFence,
          SELF_FENCE,
          GRACE,
          Duration.ofMillis(500),
          Duration.ofSeconds(4),
          ticker,
          ticker.nanos() - Duration.ofSeconds(5).toNanos());
  int resumes;
  final AgentRun run = new AgentRun(Instant.parse("2029-12-31T23:00:00Z"));

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  Heartbeat heartbeat(String host, KubernetesClient through) {
    return new Heartbeat(
        host,
        new Leases(through, NS, host, 15),
        fencing,
        journal,
        "boot-1",
        ticker,
        Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC),
        ApiLink.ALWAYS_UP,
        () -> Map.of("hb-b", new PeerClient.Peer("http://10.0.0.2:9740", java.util.List.of())),
        () -> 3,
        Duration.ofSeconds(2),
        timer,
        Runnable::run,
        run,
        () -> resumes++);
  }

  Lease lease(String host) {
    return client.leases().inNamespace(NS).withName("vmha-host-" + host).get();
  }

  @Test
  void anAcknowledgedRenewalCountsFromWhenItWasSentAndIsJournaled() {
    long sent = ticker.nanos();
    heartbeat("hb-a", client).beat();

    assertThat(lease("hb-a").getSpec().getHolderIdentity()).isEqualTo("hb-a");
    assertThat(fencing.lastRenewal()).isEqualTo(sent);
    AgentJournal.Entry entry = journal.last().orElseThrow();
    assertThat(entry.renewedNanos()).isEqualTo(sent);
    assertThat(entry.bootId()).isEqualTo("boot-1");
    assertThat(entry.peers()).containsOnlyKeys("hb-b");
    assertThat(entry.fleetSize()).isEqualTo(3);
  }

  @Test
  void aRenewalThatCannotReachTheApiServerLeavesTheClockAndTheJournalAlone() {
    long before = fencing.lastRenewal();
    try (KubernetesClient nowhere =
            new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:1")
                        .build())
                .build();
        KubernetesClient unreachable = Leases.deadlineClient(nowhere, Duration.ofMillis(500))) {
      heartbeat("hb-c", unreachable).beat();
    }
    assertThat(fencing.lastRenewal()).isEqualTo(before);
    assertThat(journal.last()).isEmpty();
    ticker.advance(Duration.ofSeconds(3));
    assertThat(fencing.sinceRenewal()).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void aFencedAgentRenewsNothingUntilTheGracePeriodIsOverThenResumes() {
    Heartbeat heartbeat = heartbeat("hb-d", client);
    fencing.fenced();
    heartbeat.beat();
    assertThat(lease("hb-d")).as("no renewal while fenced").isNull();

    ticker.advance(GRACE);
    heartbeat.beat();
    assertThat(fencing.isFenced()).isFalse();
    assertThat(resumes).isEqualTo(1);
    assertThat(lease("hb-d").getSpec().getHolderIdentity()).isEqualTo("hb-d");
  }

  /**
   * The operator trusts a report only while it names the run the Lease names: after a resume the
   * Lease names a new run, so the report of before the fence (its stopped VMs shown running) is not
   * believed until the resumed agent reports.
   */
  @Test
  void aResumeBeginsANewRunThatTheLeaseNames() {
    Heartbeat heartbeat = heartbeat("hb-f", client);
    heartbeat.beat();
    var before = lease("hb-f").getSpec().getAcquireTime();
    assertThat(before.toInstant()).isEqualTo(Instant.parse("2029-12-31T23:00:00Z"));

    fencing.fenced();
    ticker.advance(GRACE);
    heartbeat.beat();
    assertThat(fencing.isFenced()).isFalse();
    var after = lease("hb-f").getSpec().getAcquireTime();
    assertThat(after.toInstant()).isAfter(before.toInstant()).isEqualTo(run.since());
  }

  @Test
  void aFencedAgentWhoseCredentialIsRefusedStaysFencedAndSaysWhy() throws Exception {
    com.sun.net.httpserver.HttpServer refusing =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    refusing.createContext(
        "/",
        exchange -> {
          byte[] body =
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":401}"
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    refusing.start();
    int[] refused = new int[1];
    try (KubernetesClient revoked =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + refusing.getAddress().getPort())
                    .withOauthToken("revoked")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      Heartbeat heartbeat = heartbeat("hb-e", revoked);
      heartbeat.countIn(
          new AgentMetrics.Host() {
            @Override
            public void renewed() {}

            @Override
            public void refused() {
              refused[0]++;
            }

            @Override
            public void failed() {}
          });
      fencing.fenced();
      ticker.advance(GRACE);
      heartbeat.beat();
    } finally {
      refusing.stop(0);
    }
    assertThat(fencing.isFenced()).as("nothing to resume with a refused credential").isTrue();
    assertThat(resumes).isZero();
    assertThat(refused[0]).as("the refusal counted while fenced").isEqualTo(1);
  }
}
