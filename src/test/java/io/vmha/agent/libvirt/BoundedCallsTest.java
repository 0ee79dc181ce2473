package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmha.agent.DriverException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BoundedCallsTest {
  static final Duration LIMIT = Duration.ofMillis(200);
  final BoundedCalls calls = new BoundedCalls();
  final CountDownLatch libvirtAnswers = new CountDownLatch(1);

  @AfterEach
  void close() {
    libvirtAnswers.countDown();
    calls.close();
  }

  @Test
  void anAnswerWithinTheLimitIsReturned() throws Exception {
    assertThat(calls.call("listing", "listing its domains", LIMIT, () -> 42)).isEqualTo(42);
  }

  @Test
  void aCallThatHangsCostsItsLimitAndCarriesOn() throws Exception {
    AtomicInteger finished = new AtomicInteger();
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                calls.call(
                    "listing",
                    "listing its domains",
                    LIMIT,
                    () -> {
                      libvirtAnswers.await();
                      return finished.incrementAndGet();
                    }))
        .isInstanceOf(BoundedCalls.Overran.class)
        .hasMessageContaining("listing its domains within 200 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    libvirtAnswers.countDown();
    org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> finished.get() == 1);
  }

  @Test
  void aKeyWhoseCallOverranIsNotAskedAgainUntilItAnswersOtherKeysAre() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    assertThatThrownBy(() -> pauseG1(asked, true)).isInstanceOf(BoundedCalls.Overran.class);
    long started = System.nanoTime();
    assertThatThrownBy(() -> pauseG1(asked, false))
        .isInstanceOf(BoundedCalls.StillRunning.class)
        .hasMessageContaining("pausing g1");
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("failed at once, not after its own limit")
        .isLessThan(LIMIT);
    assertThat(asked).as("not queued behind the hung call").hasValue(1);
    assertThat(calls.call("state of g2", "pausing g2", LIMIT, () -> "g2 paused"))
        .isEqualTo("g2 paused");

    libvirtAnswers.countDown();
    org.awaitility.Awaitility.await()
        .atMost(5, TimeUnit.SECONDS)
        .ignoreExceptions()
        .until(
            () -> "asked again".equals(calls.call("state of g1", "x", LIMIT, () -> "asked again")));
  }

  /** Asks libvirt to pause g1; {@code hang}: libvirt answers only when the test lets it. */
  private Object pauseG1(AtomicInteger asked, boolean hang) throws Exception {
    return calls.call(
        "state of g1",
        "pausing g1",
        LIMIT,
        () -> {
          asked.incrementAndGet();
          if (hang) {
            libvirtAnswers.await();
          }
          return null;
        });
  }

  @Test
  void whatTheCallThrowsIsThrown() {
    for (Exception thrown :
        List.of(
            new DriverException("no such instance"),
            new IllegalStateException("connection closed"))) {
      assertThatThrownBy(
              () ->
                  calls.call(
                      "listing",
                      "listing",
                      LIMIT,
                      () -> {
                        throw thrown;
                      }))
          .isSameAs(thrown);
    }
  }
}
