package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.SelfFencing.Decision;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision table of docs/agent.md, row by row. */
class SelfFencingDecisionTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @ParameterizedTest(name = "{0} s without renewal, {1}, peer reaches API: {2} -> {3}")
  @CsvSource({
    "9,  SelfFence, true,  Healthy",
    "9,  None,      true,  Healthy",
    "10, None,      true,  NotConfigured",
    "10, SelfFence, true,  Fence",
    "10, SelfFence, false, ApiOutage",
    "60, SelfFence, false, ApiOutage",
  })
  void decides(
      int secondsSinceRenewal, FencingPolicy policy, boolean peerReachesApi, Decision expected) {
    SelfFencing fencing =
        new SelfFencing(policy, Duration.ofSeconds(10), Duration.ofSeconds(15), T0);
    AtomicInteger asked = new AtomicInteger();
    Decision decision =
        fencing.evaluate(
            T0.plusSeconds(secondsSinceRenewal),
            () -> {
              asked.incrementAndGet();
              return new PeerClient.Verdict(3, 3, peerReachesApi ? "peer" : null);
            });
    assertThat(decision).isEqualTo(expected);
    boolean overdueUnderSelfFence = secondsSinceRenewal >= 10 && policy == FencingPolicy.SelfFence;
    assertThat(asked.get()).isEqualTo(overdueUnderSelfFence ? 1 : 0);
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
