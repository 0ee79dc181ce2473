package io.vmha.agent;

import java.time.Duration;
import java.util.Optional;

/**
 * A hardware or kernel watchdog (Linux {@code /dev/watchdog} semantics): once opened it resets the
 * host unless it is fed within its timeout; a write of {@code V} before closing disarms it. The
 * fencing guard feeds it only while the agent may keep its instances (R3), so a hung or dead agent,
 * a stalled fencing thread or a fence that failed ends with the host reset, and its instances
 * stopped, before the operator re-places them.
 */
public interface Watchdog extends AutoCloseable {

  /** No watchdog: only with {@code --no-watchdog}, or in the simulation, which models its own. */
  Watchdog NONE =
      new Watchdog() {
        @Override
        public void feed() {}

        @Override
        public Optional<Duration> timeout() {
          return Optional.empty();
        }

        @Override
        public String describe() {
          return "none";
        }

        @Override
        public void close() {}

        @Override
        public void abandon() {}
      };

  /** Keeps the host alive for another timeout. */
  void feed();

  /** The device's timeout, if it tells. */
  Optional<Duration> timeout();

  /** For logs: the device and its timeout. */
  String describe();

  /** Disarms the watchdog (magic close): the host may stop being watched. */
  @Override
  void close();

  /**
   * Lets go of the device without disarming it, as a process that dies does: the host is reset when
   * the timeout since the last feed runs out, unless an agent opens the device again first.
   */
  void abandon();

  /**
   * This watchdog, whose every feed also tells systemd the agent is alive ({@code WATCHDOG=1}), for
   * a unit with {@code WatchdogSec=}.
   */
  default Watchdog alsoTelling(SystemdNotifier systemd) {
    Watchdog device = this;
    return new Watchdog() {
      @Override
      public void feed() {
        device.feed();
        systemd.watchdog();
      }

      @Override
      public Optional<Duration> timeout() {
        return device.timeout();
      }

      @Override
      public String describe() {
        return device.describe() + ", systemd notified";
      }

      @Override
      public void close() {
        device.close();
      }

      @Override
      public void abandon() {
        device.abandon();
      }
    };
  }
}
