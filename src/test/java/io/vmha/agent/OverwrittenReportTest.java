package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An older report on the API server than the last one written counts once it has held a while. */
class OverwrittenReportTest {
  final Instant t0 = Instant.parse("2026-12-05T10:00:00Z");
  final OverwrittenReport check = new OverwrittenReport(Duration.ofSeconds(4));

  @Test
  void aViewThatLagsBehindTheLastWriteForLessThanTheSettleTimeIsNoReason() {
    check.wrote(t0.plusSeconds(10));
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(10))).isFalse();
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(13))).isFalse();
    assertThat(check.mustRewrite(t0.plusSeconds(10).toString(), t0.plusSeconds(14)))
        .as("caught up")
        .isFalse();
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(15)))
        .as("older again: the wait starts anew")
        .isFalse();
  }

  @Test
  void anOlderReportThatHoldsIsWrittenOver() {
    check.wrote(t0.plusSeconds(10));
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(11))).isFalse();
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(15))).isTrue();

    check.wrote(t0.plusSeconds(15));
    assertThat(check.mustRewrite(t0.plusSeconds(15).toString(), t0.plusSeconds(30))).isFalse();
  }

  @Test
  void nothingWrittenYetOrNothingSeenIsNoReason() {
    assertThat(check.mustRewrite(t0.toString(), t0.plusSeconds(60))).isFalse();
    check.wrote(t0);
    assertThat(check.mustRewrite(null, t0.plusSeconds(60))).isFalse();
  }
}
