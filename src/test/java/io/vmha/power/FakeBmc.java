package io.vmha.power;

import io.vmha.agent.MutableClock;
import io.vmha.power.PowerException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A BMC in memory for the fence procedure's tests: it carries out a power request some time after
 * accepting it (on the test's clock), and fails the requests and reads it is told to fail.
 */
final class FakeBmc implements PowerController {
  private final MutableClock clock;
  private PowerState state;
  private Duration takes = Duration.ZERO;
  private boolean stuck;
  private PowerState pending;
  private Instant pendingAt;
  private final Deque<Kind> requestFailures = new ArrayDeque<>();
  private final Deque<Kind> readFailures = new ArrayDeque<>();
  int forceOffs;
  int powerOns;
  int reads;

  FakeBmc(MutableClock clock, PowerState state) {
    this.clock = clock;
    this.state = state;
  }

  /** Power requests take effect this long after they are accepted. */
  FakeBmc takes(Duration delay) {
    this.takes = delay;
    return this;
  }

  /** Accepts power requests and never carries them out. */
  FakeBmc stuck() {
    this.stuck = true;
    return this;
  }

  /** The next power requests fail with these kinds, one each. */
  FakeBmc failRequests(Kind... kinds) {
    requestFailures.addAll(java.util.List.of(kinds));
    return this;
  }

  /** The next reads fail with these kinds, one each. */
  FakeBmc failReads(Kind... kinds) {
    readFailures.addAll(java.util.List.of(kinds));
    return this;
  }

  @Override
  public PowerState powerState() throws PowerException {
    reads++;
    fail(readFailures);
    if (pending != null && !clock.instant().isBefore(pendingAt)) {
      state = pending;
      pending = null;
    }
    return pending == PowerState.Off ? PowerState.PoweringOff : state;
  }

  @Override
  public void forceOff() throws PowerException {
    forceOffs++;
    request(PowerState.Off);
  }

  @Override
  public void powerOn() throws PowerException {
    powerOns++;
    request(PowerState.On);
  }

  private void request(PowerState wanted) throws PowerException {
    fail(requestFailures);
    if (!stuck) {
      pending = wanted;
      pendingAt = clock.instant().plus(takes);
    }
  }

  private static void fail(Deque<Kind> failures) throws PowerException {
    Kind kind = failures.poll();
    if (kind != null) {
      throw new PowerException(kind, "BMC https://bmc.test: " + kind + " (scripted)");
    }
  }
}
