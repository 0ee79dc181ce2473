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
    Duration spmLeaseDuration) {

  /** Slack H1 demands between the agent fencing itself and the operator declaring it lost. */
  public static final Duration FENCING_SLACK = Duration.ofSeconds(2);

  /**
   * Live migrations of one VM to one target that may fail in a row (the agent backs off 1, 2, 4, 8
   * s between them) before the operator aborts the migration.
   */
  public static final int MIGRATION_ATTEMPTS = 5;

  /** How long a VM whose migration was aborted stays where it is before a drain tries again. */
  public static final Duration MIGRATION_RETRY_AFTER = Duration.ofMinutes(5);

  public static Settings defaults() {
    return new Settings(
        Duration.ofSeconds(2),
        Duration.ofSeconds(15),
        Duration.ofSeconds(10),
        2,
        0.5,
        3,
        Duration.ofMinutes(10),
        Duration.ofSeconds(5),
        Duration.ofSeconds(80),
        FencingPolicy.SelfFence,
        0,
        PlacementPolicy.LeastAllocated,
        Duration.ofSeconds(10));
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
        heartbeatInterval,
        hostGracePeriod,
        selfFenceAfter,
        maxParallelMigrationsPerHost,
        maxUnhealthyFraction,
        maxRestarts,
        restartWindow,
        restartBackoffInitial,
        restartBackoffMax,
        value,
        reserveHosts,
        placementPolicy,
        spmLeaseDuration);
  }

  public Settings withReserveHosts(int value) {
    return new Settings(
        heartbeatInterval,
        hostGracePeriod,
        selfFenceAfter,
        maxParallelMigrationsPerHost,
        maxUnhealthyFraction,
        maxRestarts,
        restartWindow,
        restartBackoffInitial,
        restartBackoffMax,
        fencing,
        value,
        placementPolicy,
        spmLeaseDuration);
  }

  public Settings withPlacementPolicy(PlacementPolicy value) {
    return new Settings(
        heartbeatInterval,
        hostGracePeriod,
        selfFenceAfter,
        maxParallelMigrationsPerHost,
        maxUnhealthyFraction,
        maxRestarts,
        restartWindow,
        restartBackoffInitial,
        restartBackoffMax,
        fencing,
        reserveHosts,
        value,
        spmLeaseDuration);
  }

  public Settings withTimings(Duration heartbeat, Duration grace, Duration selfFence) {
    return new Settings(
        heartbeat,
        grace,
        selfFence,
        maxParallelMigrationsPerHost,
        maxUnhealthyFraction,
        maxRestarts,
        restartWindow,
        restartBackoffInitial,
        restartBackoffMax,
        fencing,
        reserveHosts,
        placementPolicy,
        spmLeaseDuration);
  }

  private static void positive(List<String> errors, String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      errors.add(name + " must be a positive duration, was " + value);
    }
  }
}
