package io.vmha.core;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Operator settings the engine decides with. {@link #defaults()} gives the spec's defaults; the
 * operator must refuse to start when {@link #validate()} returns anything.
 */
public record Settings(
    Duration heartbeatInterval,
    Duration hostGracePeriod,
    Duration selfFenceAfter,
    int maxParallelMigrationsPerHost,
    double maxUnhealthyFraction,
    int maxRestarts,
    Duration restartWindow,
    Duration restartBackoffInitial,
    Duration restartBackoffMax,
    FencingPolicy fencing,
    int reserveHosts,
    PlacementPolicy placementPolicy,
    Duration spmLeaseDuration,
    Duration powerFencedGracePeriod) {

  /** Slack H1 demands between the agent fencing itself and the operator declaring it lost. */
  public static final Duration FENCING_SLACK = Duration.ofSeconds(2);

  /**
   * Live migrations of one VM to one target that may fail in a row (the agent backs off 1, 2, 4, 8
   * s between them) before the operator aborts the migration.
   */
  public static final int MIGRATION_ATTEMPTS = 5;

  /** How long a VM whose migration was aborted stays where it is before a drain tries again. */
  public static final Duration MIGRATION_RETRY_AFTER = Duration.ofMinutes(5);

  /**
   * How often agents renew their heartbeat, when a silent agent fences itself, when the operator
   * judges its host lost, how long the SPM Lease lasts (H1, F4, S3), and when a host the operator
   * can power off through its BMC is judged lost (PF1).
   */
  public record Timings(
      Duration heartbeatInterval,
      Duration hostGracePeriod,
      Duration selfFenceAfter,
      Duration spmLeaseDuration,
      Duration powerFencedGracePeriod) {

    /** Timings with the power-fenced grace period derived from the heartbeat. */
    public Timings(
        Duration heartbeatInterval,
        Duration hostGracePeriod,
        Duration selfFenceAfter,
        Duration spmLeaseDuration) {
      this(
          heartbeatInterval,
          hostGracePeriod,
          selfFenceAfter,
          spmLeaseDuration,
          powerFencedGraceFor(heartbeatInterval, hostGracePeriod));
    }
  }

  /**
   * Two missed renewals and a second more (5 s at the default 2 s heartbeat), never longer than the
   * grace period: one late renewal must not cost a host its VMs, and power fencing exists to act
   * sooner than the self-fence deadline.
   */
  public static Duration powerFencedGraceFor(Duration heartbeatInterval, Duration hostGracePeriod) {
    if (heartbeatInterval == null || hostGracePeriod == null) {
      return hostGracePeriod;
    }
    Duration derived = heartbeatInterval.multipliedBy(2).plusSeconds(1);
    return derived.compareTo(hostGracePeriod) > 0 ? hostGracePeriod : derived;
  }

  /**
   * What losing hosts leads to: whether silent hosts fence themselves, the share of hosts lost at
   * which failover freezes (H5), and how many hosts are held empty in reserve.
   */
  public record Failover(FencingPolicy fencing, double maxUnhealthyFraction, int reserveHosts) {}

  /** How a VM whose start fails is tried again (F6). */
  public record Restarts(
      int maxRestarts, Duration window, Duration backoffInitial, Duration backoffMax) {}

  /** Where VMs go (P1-P5), and how many live migrations leave one host at once. */
  public record Placement(PlacementPolicy policy, int maxParallelMigrationsPerHost) {}

  /** Settings from their groups. */
  public Settings(Timings timings, Failover failover, Restarts restarts, Placement placement) {
    this(
        timings.heartbeatInterval(),
        timings.hostGracePeriod(),
        timings.selfFenceAfter(),
        placement.maxParallelMigrationsPerHost(),
        failover.maxUnhealthyFraction(),
        restarts.maxRestarts(),
        restarts.window(),
        restarts.backoffInitial(),
        restarts.backoffMax(),
        failover.fencing(),
        failover.reserveHosts(),
        placement.policy(),
        timings.spmLeaseDuration(),
        timings.powerFencedGracePeriod());
  }

  public static Settings defaults() {
    return new Settings(
        new Timings(
            Duration.ofSeconds(2),
            Duration.ofSeconds(15),
            Duration.ofSeconds(10),
            Duration.ofSeconds(10)),
        new Failover(FencingPolicy.SelfFence, 0.5, 0),
        new Restarts(3, Duration.ofMinutes(10), Duration.ofSeconds(5), Duration.ofSeconds(80)),
        new Placement(PlacementPolicy.LeastAllocated, 2));
  }

  public Timings timings() {
    return new Timings(
        heartbeatInterval,
        hostGracePeriod,
        selfFenceAfter,
        spmLeaseDuration,
        powerFencedGracePeriod);
  }

  public Failover failover() {
    return new Failover(fencing, maxUnhealthyFraction, reserveHosts);
  }

  public Restarts restarts() {
    return new Restarts(maxRestarts, restartWindow, restartBackoffInitial, restartBackoffMax);
  }

  public Placement placement() {
    return new Placement(placementPolicy, maxParallelMigrationsPerHost);
  }

  /** Every problem with these settings, in words an administrator can act on; empty if none. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    positive(errors, "heartbeatInterval", heartbeatInterval);
    positive(errors, "hostGracePeriod", hostGracePeriod);
    positive(errors, "selfFenceAfter", selfFenceAfter);
    positive(errors, "restartWindow", restartWindow);
    positive(errors, "restartBackoffInitial", restartBackoffInitial);
    positive(errors, "restartBackoffMax", restartBackoffMax);
    positive(errors, "spmLeaseDuration", spmLeaseDuration);
    positive(errors, "powerFencedGracePeriod", powerFencedGracePeriod);
    if (fencing == null) {
      errors.add("failover.fencing must be SelfFence or None");
    }
    if (placementPolicy == null) {
      errors.add("placementPolicy must be LeastAllocated or BinPacking");
    }
    if (maxParallelMigrationsPerHost < 1) {
      errors.add(
          "maxParallelMigrationsPerHost must be at least 1, was " + maxParallelMigrationsPerHost);
    }
    if (!(maxUnhealthyFraction > 0 && maxUnhealthyFraction <= 1)) {
      errors.add("maxUnhealthyFraction must be in (0, 1], was " + maxUnhealthyFraction);
    }
    if (maxRestarts < 1) {
      errors.add("maxRestarts must be at least 1, was " + maxRestarts);
    }
    if (reserveHosts < 0) {
      errors.add("failover.reserveHosts must not be negative, was " + reserveHosts);
    }
    if (errors.isEmpty()) {
      Duration needed = selfFenceAfter.plus(heartbeatInterval).plus(FENCING_SLACK);
      if (hostGracePeriod.compareTo(needed) < 0) {
        errors.add(
            "hostGracePeriod ("
                + hostGracePeriod.toSeconds()
                + "s) must be at least selfFenceAfter + heartbeatInterval + 2s ("
                + needed.toSeconds()
                + "s): otherwise a host could be declared lost before it has fenced itself");
      }
      if (selfFenceAfter.compareTo(heartbeatInterval) <= 0) {
        errors.add("selfFenceAfter must be longer than heartbeatInterval, or healthy agents fence");
      }
      if (restartBackoffMax.compareTo(restartBackoffInitial) < 0) {
        errors.add("restartBackoffMax must not be shorter than restartBackoffInitial");
      }
      if (spmLeaseDuration.compareTo(heartbeatInterval) <= 0) {
        errors.add("spmLeaseDuration must be longer than heartbeatInterval");
      }
      if (powerFencedGracePeriod.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
        errors.add(
            "powerFencedGracePeriod ("
                + powerFencedGracePeriod.toMillis()
                + "ms) must be at least twice heartbeatInterval: a single late renewal would power"
                + " a healthy host off");
      }
      if (powerFencedGracePeriod.compareTo(hostGracePeriod) > 0) {
        errors.add(
            "powerFencedGracePeriod must not be longer than hostGracePeriod: the self-fence path"
                + " would fail the host over first");
      }
    }
    return errors;
  }

  /** The wait before the next start after {@code failedAttempts} failures: doubling, capped. */
  public Duration backoffAfter(int failedAttempts) {
    Duration backoff = restartBackoffInitial;
    for (int i = 1; i < failedAttempts && backoff.compareTo(restartBackoffMax) < 0; i++) {
      backoff = backoff.multipliedBy(2);
    }
    return backoff.compareTo(restartBackoffMax) > 0 ? restartBackoffMax : backoff;
  }

  public Settings withFencing(FencingPolicy value) {
    return new Settings(
        timings(),
        new Failover(value, maxUnhealthyFraction, reserveHosts),
        restarts(),
        placement());
  }

  public Settings withReserveHosts(int value) {
    return new Settings(
        timings(), new Failover(fencing, maxUnhealthyFraction, value), restarts(), placement());
  }

  public Settings withPlacementPolicy(PlacementPolicy value) {
    return new Settings(
        timings(), failover(), restarts(), new Placement(value, maxParallelMigrationsPerHost));
  }

  public Settings withTimings(Duration heartbeat, Duration grace, Duration selfFence) {
    return new Settings(
        new Timings(heartbeat, grace, selfFence, spmLeaseDuration),
        failover(),
        restarts(),
        placement());
  }

  public Settings withPowerFencedGracePeriod(Duration value) {
    return new Settings(
        new Timings(heartbeatInterval, hostGracePeriod, selfFenceAfter, spmLeaseDuration, value),
        failover(),
        restarts(),
        placement());
  }

  private static void positive(List<String> errors, String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      errors.add(name + " must be a positive duration, was " + value);
    }
  }
}
