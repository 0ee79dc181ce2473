package io.vmha.power;

import io.vmha.power.FenceOutcome.Result;
import io.vmha.power.PowerException.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Cuts a lost host's power through its BMC and waits until the BMC reports it off: only then may
 * the host's VMs run elsewhere without two copies writing one disk. Also powers a fenced host on
 * again.
 *
 * <p>The power-off is sent again, after a short wait that doubles, when the BMC is out of reach or
 * fails: BMCs reboot their web server and drop requests under load. A refusal (credentials, system
 * id, request) ends the fence at once: it would be refused again, and repeated wrong credentials
 * lock the BMC account, which would then refuse the right ones too.
 */
public final class PowerFence {
  private final PowerFenceSettings settings;
  private final Clock clock;
  private final Sleeper sleeper;

  public PowerFence(PowerFenceSettings settings) {
    this(settings, Clock.systemUTC(), Sleeper.REAL);
  }

  public PowerFence(PowerFenceSettings settings, Clock clock, Sleeper sleeper) {
    this.settings = Objects.requireNonNull(settings, "settings").validate();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  /**
   * Powers the host off (ForceOff) unless the BMC already reports it Off, and waits for the BMC to
   * report Off.
   *
   * @throws InterruptedException when the thread is interrupted while waiting
   */
  public FenceOutcome fence(PowerController bmc) throws InterruptedException {
    return change(bmc, PowerState.Off, "ForceOff", PowerController::forceOff, Result.PoweredOff);
  }

  /** Powers a fenced host on again, and waits for the BMC to report it On. */
  public FenceOutcome powerOn(PowerController bmc) throws InterruptedException {
    return change(bmc, PowerState.On, "On", PowerController::powerOn, Result.PoweredOn);
  }

  @FunctionalInterface
  private interface Request {
    void send(PowerController bmc) throws PowerException;
  }

  private FenceOutcome change(
      PowerController bmc, PowerState wanted, String name, Request request, Result done)
      throws InterruptedException {
    Instant start = clock.instant();
    PowerState seen = PowerState.Unknown;
    try {
      seen = bmc.powerState();
      if (seen == wanted) {
        return new FenceOutcome(done, "the BMC already reports " + wanted, 0, since(start), seen);
      }
    } catch (PowerException e) {
      if (e.kind() == Kind.Unauthorized || e.kind() == Kind.NotFound) {
        return failed(e, 0, start, seen);
      }
      // the state is unknown, and the request may still get through: it decides
    }

    int attempts = 0;
    PowerException refused = null;
    while (attempts < settings.postAttempts()) {
      if (attempts > 0) {
        sleeper.sleep(backoffBefore(attempts + 1));
      }
      attempts++;
      try {
        request.send(bmc);
        refused = null;
        break;
      } catch (PowerException e) {
        refused = e;
        if (!e.worthRetrying()) {
          break;
        }
      }
    }
    if (refused != null) {
      return failed(refused, attempts, start, seen);
    }
    return confirm(bmc, wanted, name, done, attempts, start);
  }

  private FenceOutcome confirm(
      PowerController bmc, PowerState wanted, String name, Result done, int attempts, Instant start)
      throws InterruptedException {
    Instant accepted = clock.instant();
    Instant deadline = accepted.plus(settings.confirmWithin());
    PowerState seen = PowerState.Unknown;
    PowerException readFailure = null;
    while (true) {
      try {
        seen = bmc.powerState();
        readFailure = null;
        if (seen == wanted) {
          return new FenceOutcome(
              done,
              name
                  + " accepted ("
                  + tries(attempts)
                  + "), the BMC reports "
                  + wanted
                  + " "
                  + seconds(Duration.between(accepted, clock.instant()))
                  + " later",
              attempts,
              since(start),
              seen);
        }
      } catch (PowerException e) {
        if (e.kind() == Kind.Unauthorized || e.kind() == Kind.NotFound) {
          return failed(e, attempts, start, seen);
        }
        readFailure = e; // a BMC busy cutting the power may drop a read: keep asking
      }
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        return new FenceOutcome(
            Result.NotConfirmed,
            name
                + " accepted ("
                + tries(attempts)
                + ") but the BMC did not report "
                + wanted
                + " within "
                + seconds(settings.confirmWithin())
                + (readFailure != null
                    ? "; the last read failed: " + readFailure.getMessage()
                    : "; it still reports " + seen),
            attempts,
            since(start),
            seen);
      }
      sleeper.sleep(left.compareTo(settings.pollEvery()) < 0 ? left : settings.pollEvery());
    }
  }

  /** The wait before try {@code n} (2, 3, ...): pollEvery, then twice that, and so on. */
  private Duration backoffBefore(int n) {
    return settings.pollEvery().multipliedBy(1L << Math.min(n - 2, 10));
  }

  private FenceOutcome failed(PowerException e, int attempts, Instant start, PowerState seen) {
    Result result =
        switch (e.kind()) {
          case Unreachable, Timeout -> Result.Unreachable;
          case Unauthorized -> Result.CredentialsRefused;
          case NotFound, Refused, ServerError, BadResponse -> Result.Refused;
        };
    String message = e.getMessage() + (attempts > 1 ? " (" + tries(attempts) + ")" : "");
    return new FenceOutcome(result, message, attempts, since(start), seen);
  }

  private Duration since(Instant start) {
    return Duration.between(start, clock.instant());
  }

  private static String tries(int attempts) {
    return attempts == 1 ? "1 try" : attempts + " tries";
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
