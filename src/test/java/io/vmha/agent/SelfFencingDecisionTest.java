package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.SelfFencing.Decision;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision table of docs/agent.md, row by row. */
class SelfFencingDecisionTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @ParameterizedTest(
      name = "{0} s without renewal, {1}, a peer reaches the API: {2}, {3} of {4} confirm -> {5}")
  @CsvSource({
    "9,  SelfFence, true,  0, 2, Healthy",
    "9,  None,      true,  0, 2, Healthy",
    "10, None,      true,  0, 2, NotConfigured",
    "10, SelfFence, true,  0, 2, Fence",
    // a peer that reaches the API server outweighs any number of confirmations
    "10, SelfFence, true,  5, 2, Fence",
    "10, SelfFence, false, 2, 2, ApiOutage",
    "60, SelfFence, false, 3, 2, ApiOutage",
    // silence is no confirmation: cut off from API and peers alike, the host fences
    "10, SelfFence, false, 1, 2, Fence",
    "10, SelfFence, false, 0, 2, Fence",
    // alone more than the fraction: nothing to confirm
    "10, SelfFence, false, 0, 0, ApiOutage",
  })
  void decides(
      int secondsSinceRenewal,
      FencingPolicy policy,
      boolean peerReachesApi,
      int confirmed,
      int needed,
      Decision expected) {
    SelfFencing fencing =
        new SelfFencing(policy, Duration.ofSeconds(10), Duration.ofSeconds(15), T0);
    AtomicInteger asked = new AtomicInteger();
    Decision decision =
        fencing.evaluate(
            T0.plusSeconds(secondsSinceRenewal),
            lastRenewal -> {
              assertThat(lastRenewal).isEqualTo(T0);
              asked.incrementAndGet();
              return new PeerClient.Verdict(
                  5, 5, confirmed, needed, peerReachesApi ? "peer" : null);
            });
    assertThat(decision).isEqualTo(expected);
    boolean overdueUnderSelfFence = secondsSinceRenewal >= 10 && policy == FencingPolicy.SelfFence;
    assertThat(asked.get()).isEqualTo(overdueUnderSelfFence ? 1 : 0);
  }

  /** The operator freezes failover when more than the fraction of all hosts is silent (H5). */
  @ParameterizedTest(name = "fraction {0}, {1} hosts: {2} peers must confirm")
  @CsvSource({
    "0.5, 1,    0",
    "0.5, 2,    1",
    "0.5, 3,    1",
    "0.5, 4,    2",
    "0.5, 1000, 500",
    "0.3, 10,   3",
    "0.25, 8,   2",
    "1.0, 5,    5",
  })
  void peersNeededMakeTheOperatorsFreeze(double fraction, int hosts, int needed) {
    AgentOptions options =
        new AgentOptions(
            "h",
            "ns",
            Duration.ofSeconds(2),
            Duration.ofSeconds(10),
            Duration.ofSeconds(15),
            FencingPolicy.SelfFence,
            fraction,
            null);
    assertThat(options.peersNeededForOutage(hosts)).isEqualTo(needed);
    // the same test the operator's FailoverFreeze makes: lost > fraction * total
    assertThat(needed + 1 > fraction * hosts).isTrue();
    assertThat(needed > fraction * hosts).isFalse();
  }

  @ParameterizedTest(name = "heartbeat {0} ms, self-fence {1} s, grace {2} s: tolerance {3} ms")
  @CsvSource({"2000, 10, 15, 2000", "5000, 10, 15, 2500", "100, 1, 2, 100", "1000, 5, 5, 0"})
  void aPeerConfirmsIfItWasSilentLongEnoughWhenTheOperatorJudgesThisHost(
      long heartbeatMillis, int selfFence, int grace, long toleranceMillis) {
    AgentOptions options =
        new AgentOptions(
            "h",
            "ns",
            Duration.ofMillis(heartbeatMillis),
            Duration.ofSeconds(selfFence),
            Duration.ofSeconds(grace),
            FencingPolicy.SelfFence,
            0.5,
            null);
    assertThat(options.outageTolerance()).isEqualTo(Duration.ofMillis(toleranceMillis));
  }

  /**
   * In an outage every agent asks its peers while they ask it: an agent must answer while its own
   * question is out, or all of them wait for each other until the timeout and all fence.
   */
  @org.junit.jupiter.api.Test
  void anAgentAnswersItsPeersWhileItIsAskingThem() {
    SelfFencing fencing =
        new SelfFencing(
            FencingPolicy.SelfFence, Duration.ofSeconds(10), Duration.ofSeconds(15), T0);
    Instant now = T0.plusSeconds(11);
    AtomicReference<PeerServer.Answer> answered = new AtomicReference<>();
    Decision decision =
        fencing.evaluate(
            now,
            lastRenewal -> {
              Thread peer =
                  new Thread(() -> answered.set(fencing.answer(now, Duration.ofSeconds(4))));
              peer.start();
              try {
                peer.join(2000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return answered.get() != null
                  ? new PeerClient.Verdict(1, 1, 1, 1, null)
                  : PeerClient.Verdict.nobodyAsked(1);
            });
    assertThat(answered.get()).isEqualTo(new PeerServer.Answer(false, T0));
    assertThat(decision).isEqualTo(Decision.ApiOutage);
  }

  @ParameterizedTest
  @CsvSource({"14, true, false", "15, false, false", "15, true, true"})
  void aFencedAgentResumesOnlyWithTheApiAfterTheGracePeriod(
      int seconds, boolean apiUp, boolean resumes) {
    SelfFencing fencing =
        new SelfFencing(
            FencingPolicy.SelfFence, Duration.ofSeconds(10), Duration.ofSeconds(15), T0);
    fencing.fenced(T0.plusSeconds(10));
    assertThat(fencing.mayResume(T0.plusSeconds(seconds), apiUp)).isEqualTo(resumes);
  }
}
