package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.SelfFencing.Decision;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision table of docs/agent.md, row by row. */
class SelfFencingDecisionTest {
  static final Duration SELF_FENCE = Duration.ofSeconds(10);
  static final Duration GRACE = Duration.ofSeconds(15);
  static final Duration HEARTBEAT = Duration.ofSeconds(2);

  final ManualTicker ticker = new ManualTicker();

  /** Fencing whose last renewal was sent now, by the test's monotonic clock. */
  SelfFencing fencing(FencingPolicy policy) {
    return new SelfFencing(
        policy, SELF_FENCE, GRACE, HEARTBEAT, Duration.ZERO, ticker, ticker.nanos());
  }

  /** With 3 s to renew once the peers stop confirming an outage (the defaults' outageEndGrace). */
  SelfFencing fencingWithOutageEndGrace() {
    return new SelfFencing(
        FencingPolicy.SelfFence,
        SELF_FENCE,
        GRACE,
        HEARTBEAT,
        Duration.ofSeconds(3),
        ticker,
        ticker.nanos());
  }

  static PeerClient.Verdict outage() {
    return new PeerClient.Verdict(2, 2, 2, 1, null);
  }

  static PeerClient.Verdict peerReachesTheApi() {
    return new PeerClient.Verdict(1, 1, 0, 1, "peer");
  }

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
    SelfFencing fencing = fencing(policy);
    ticker.advance(Duration.ofSeconds(secondsSinceRenewal));
    AtomicInteger asked = new AtomicInteger();
    Decision decision =
        fencing.evaluate(
            age -> {
              assertThat(Duration.ofNanos(age)).hasSeconds(secondsSinceRenewal);
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
            new io.vmha.core.model.AgentSettings(
                Duration.ofSeconds(2),
                Duration.ofSeconds(10),
                Duration.ofSeconds(15),
                FencingPolicy.SelfFence,
                fraction),
            null);
    assertThat(options.peersNeededForOutage(hosts)).isEqualTo(needed);
    // the same test the operator's FailoverFreeze makes: lost > fraction * total
    assertThat(needed + 1 > fraction * hosts).isTrue();
    assertThat(needed > fraction * hosts).isFalse();
  }

  @ParameterizedTest(name = "heartbeat {0} ms, self-fence {1} s, grace {2} s: tolerance {3} ms")
  @CsvSource({"2000, 10, 15, 2500", "5000, 10, 15, 2500", "100, 1, 2, 500", "1000, 5, 5, 0"})
  void aPeerConfirmsIfItWasSilentLongEnoughWhenTheOperatorJudgesThisHost(
      long heartbeatMillis, int selfFence, int grace, long toleranceMillis) {
    AgentOptions options =
        new AgentOptions(
            "h",
            "ns",
            new io.vmha.core.model.AgentSettings(
                Duration.ofMillis(heartbeatMillis),
                Duration.ofSeconds(selfFence),
                Duration.ofSeconds(grace),
                FencingPolicy.SelfFence,
                0.5),
            null);
    assertThat(options.outageTolerance()).isEqualTo(Duration.ofMillis(toleranceMillis));
  }

  /**
   * In an outage every agent asks its peers while they ask it: an agent must answer while its own
   * question is out, or all of them wait for each other until the timeout and all fence.
   */
  @org.junit.jupiter.api.Test
  void anAgentAnswersItsPeersWhileItIsAskingThem() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    ticker.advance(Duration.ofSeconds(11));
    AtomicReference<PeerServer.Answer> answered = new AtomicReference<>();
    Decision decision =
        fencing.evaluate(
            age -> {
              Thread peer = new Thread(() -> answered.set(fencing.answer(Duration.ofSeconds(4))));
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
    assertThat(answered.get()).isEqualTo(new PeerServer.Answer(false, 11_000));
    assertThat(decision).isEqualTo(Decision.ApiOutage);
  }

  @ParameterizedTest
  @CsvSource({"14, true, false", "15, false, false", "15, true, true"})
  void aFencedAgentResumesOnlyWithTheApiAfterTheGracePeriod(
      int seconds, boolean apiUp, boolean resumes) {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    ticker.advance(Duration.ofSeconds(10));
    fencing.fenced();
    ticker.advance(Duration.ofSeconds(seconds - 10));
    assertThat(fencing.mayResume(apiUp)).isEqualTo(resumes);
  }

  /**
   * R2: the agent stalled (a frozen process, a long pause) past selfFenceAfter and then renewed.
   * The operator may have judged it lost meanwhile: it fences although its heartbeat is fresh
   * again.
   */
  @org.junit.jupiter.api.Test
  void aGapOfSelfFenceAfterFencesEvenIfTheNextRenewalSucceeds() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    long stalledUntil = ticker.advance(Duration.ofSeconds(12));
    assertThat(fencing.acknowledged(stalledUntil)).isTrue();
    assertThat(fencing.sinceRenewal()).isZero();
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
    assertThat(fencing.fencedForAGap()).isTrue();
  }

  /**
   * The outage ends for the peers a moment before it does for this host: with the defaults it has
   * three seconds to get its own renewal through before it fences. Found by the demo once its
   * partitions became network faults: every host whose renewal lagged its peers' by a heartbeat
   * fenced at the end of an API outage and restarted its VMs for nothing.
   */
  @org.junit.jupiter.api.Test
  void theEndOfAnOutageLeavesTimeToRenewBeforeFencing() {
    SelfFencing fencing = fencingWithOutageEndGrace();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(fencing.evaluate(age -> outage())).isEqualTo(Decision.ApiOutage);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.OutageEnding);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.OutageEnding);
    fencing.acknowledged(ticker.advance(Duration.ofMillis(500)));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Healthy);
    assertThat(fencing.fencedForAGap()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aHostWhoseRenewalsStillFailWhenTheOutageEndsFencesAfterThatTime() {
    SelfFencing fencing = fencingWithOutageEndGrace();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(fencing.evaluate(age -> outage())).isEqualTo(Decision.ApiOutage);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.OutageEnding);
    ticker.advance(Duration.ofSeconds(3));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
  }

  /** A host that was never in a confirmed outage gets no such time: a cut-off host fences. */
  @org.junit.jupiter.api.Test
  void withoutAConfirmedOutageThereIsNoTimeToRenew() {
    SelfFencing fencing = fencingWithOutageEndGrace();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
  }

  @ParameterizedTest(
      name = "heartbeat {0} ms, self-fence {1} ms, grace {2} ms: {3} ms to renew after an outage")
  @CsvSource({
    "2000, 10000, 15000, 3000",
    "500, 1500, 4000, 0",
  })
  void outageEndGraceFitsInsideWhatTheOperatorWaits(
      long heartbeat, long selfFence, long grace, long expected) {
    AgentOptions options =
        new AgentOptions(
            "h",
            "ns",
            new io.vmha.core.model.AgentSettings(
                Duration.ofMillis(heartbeat),
                Duration.ofMillis(selfFence),
                Duration.ofMillis(grace),
                FencingPolicy.SelfFence,
                0.5),
            null);
    assertThat(options.outageEndGrace()).isEqualTo(Duration.ofMillis(expected));
  }

  @org.junit.jupiter.api.Test
  void aGapJustUnderSelfFenceAfterDoesNotFence() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    fencing.acknowledged(ticker.advance(SELF_FENCE.minusMillis(1)));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Healthy);
  }

  /** An API outage the peers confirmed while it lasted: the renewal after it fences nothing. */
  @org.junit.jupiter.api.Test
  void aGapCoveredByAConfirmedOutageDoesNotFence() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    ticker.advance(Duration.ofSeconds(10));
    assertThat(fencing.evaluate(age -> outage())).isEqualTo(Decision.ApiOutage);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fencing.evaluate(age -> outage())).isEqualTo(Decision.ApiOutage);
    fencing.acknowledged(ticker.advance(Duration.ofSeconds(1)));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Healthy);
  }

  /**
   * A confirmation long before the renewal does not cover the rest of the gap: the guard stalled
   * after it, while the outage may have ended for everyone else.
   */
  @org.junit.jupiter.api.Test
  void anOldConfirmationDoesNotExcuseALaterStall() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    ticker.advance(Duration.ofSeconds(10));
    assertThat(fencing.evaluate(age -> outage())).isEqualTo(Decision.ApiOutage);
    fencing.acknowledged(ticker.advance(Duration.ofSeconds(20)));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
  }

  /**
   * R2: a renewal counts from when its request was sent, not from when its answer came: a request
   * sent before a 12 s stall and acknowledged after it proves nothing about the stall.
   */
  @org.junit.jupiter.api.Test
  void aRenewalCountsFromWhenItWasSent() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    long sent = ticker.advance(Duration.ofSeconds(1));
    ticker.advance(Duration.ofSeconds(10)); // the answer takes 10 s to come
    fencing.acknowledged(sent);
    assertThat(fencing.sinceRenewal()).hasSeconds(10);
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
  }

  /** While an outage is confirmed the peers are asked once per heartbeat, not on every look. */
  @org.junit.jupiter.api.Test
  void anOverdueAgentAsksItsPeersOncePerHeartbeat() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    ticker.advance(Duration.ofSeconds(10));
    AtomicInteger asked = new AtomicInteger();
    for (int i = 0; i < 8; i++) {
      fencing.evaluate(
          age -> {
            asked.incrementAndGet();
            return outage();
          });
      ticker.advance(Duration.ofMillis(250));
    }
    assertThat(asked.get()).isEqualTo(1);
  }

  @org.junit.jupiter.api.Test
  void aFencedAgentIgnoresLateAcknowledgementsAndComesBackFresh() {
    SelfFencing fencing = fencing(FencingPolicy.SelfFence);
    long sentBeforeTheFence = ticker.advance(Duration.ofSeconds(9));
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Fence);
    fencing.fenced();
    assertThat(fencing.acknowledged(sentBeforeTheFence)).isFalse();
    assertThat(fencing.answer(Duration.ofSeconds(4)).apiReachable()).isFalse();
    ticker.advance(GRACE);
    assertThat(fencing.mayResume(true)).isTrue();
    fencing.resumed();
    assertThat(fencing.isFenced()).isFalse();
    assertThat(fencing.evaluate(age -> peerReachesTheApi())).isEqualTo(Decision.Healthy);
  }
}
