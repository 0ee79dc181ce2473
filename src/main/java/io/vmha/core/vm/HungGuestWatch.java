package io.vmha.core.vm;

import io.vmha.core.model.GuestMonitoring;
import io.vmha.core.model.InstanceState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * VM monitoring (rules.md M1): whether a host agent resets one of its guests in place because the
 * guest agent inside stopped answering. A pure function of what the agent knows, so the agent and
 * the core's fault-sequence simulation ask the same rule.
 *
 * <p>Silence counts from the latest of: the first unanswered ping after the last answer, the
 * instance's start of running, its last reset. A guest agent that never answered is therefore
 * silent from the start: a guest that hangs while it boots (after a reset, say) is caught too, and
 * one that runs no agent at all despite {@code guestAgent: true} is reset {@code maxResets} times
 * and then left alone, which the VM's condition tells its owner.
 *
 * <p>Only a guest the host itself is sure of is touched: on a host that is fencing, or has lost its
 * storage or network, a silent guest agent says more about the host than about the guest (a guest
 * paused for storage cannot answer), and the host's own rules (F4, S1, S2) act on it instead.
 */
public final class HungGuestWatch {
  private HungGuestWatch() {}

  public enum Verdict {
    /** Not monitored, answering, not silent long enough, or not this rule's to judge now. */
    WATCH,
    /** Reset the guest in place now. */
    RESET,
    /** Silent long enough, but already reset {@code maxResets} times within the window. */
    GAVE_UP
  }

  /**
   * @param monitoring its VM's monitoring, or null when it is not enabled
   * @param hostHealthy the agent's own view: not fencing, storage and VM network reachable
   * @param state the guest's state; only a Running guest is judged
   * @param migrating whether it is being live-migrated (its answers belong to neither host then)
   * @param runningSince when it started running (or was resumed)
   * @param silentSince the first unanswered ping since its guest agent last answered; null when it
   *     answers, or the host cannot ask
   * @param resets when this guest was reset by this rule before, any order
   */
  public static Verdict judge(
      GuestMonitoring monitoring,
      boolean hostHealthy,
      InstanceState state,
      boolean migrating,
      Instant runningSince,
      Instant silentSince,
      List<Instant> resets,
      Instant now) {
    if (monitoring == null
        || !hostHealthy
        || state != InstanceState.Running
        || migrating
        || silentSince == null) {
      return Verdict.WATCH;
    }
    Instant lastReset = resets.stream().max(Instant::compareTo).orElse(Instant.MIN);
    Instant up = later(runningSince, lastReset);
    if (Duration.between(up, now).compareTo(monitoring.minUptime()) < 0) {
      return Verdict.WATCH;
    }
    if (Duration.between(later(silentSince, up), now).compareTo(monitoring.failureInterval()) < 0) {
      return Verdict.WATCH;
    }
    Instant windowStart = now.minus(monitoring.resetWindow());
    long recent = resets.stream().filter(r -> r.isAfter(windowStart)).count();
    return recent >= monitoring.maxResets() ? Verdict.GAVE_UP : Verdict.RESET;
  }

  /** The resets still inside the window: the ones worth keeping. */
  public static List<Instant> withinWindow(
      GuestMonitoring monitoring, List<Instant> resets, Instant now) {
    Instant windowStart = now.minus(monitoring.resetWindow());
    return resets.stream().filter(r -> r.isAfter(windowStart)).sorted().toList();
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
