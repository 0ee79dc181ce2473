package io.vmha.core.health;

import io.vmha.core.model.HostPhase;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VMs one plan leaves on hosts they must leave, and why: a drain's {@code Drained} condition
 * names them, so a host stuck in {@code PreparingForMaintenance} says what holds it there instead
 * of only its phase.
 */
public final class DrainObstacles {
  public static final String TYPE = "Drained";

  /** Beyond this many VMs the message counts the rest: each VM's own status says why. */
  static final int NAMED = 10;

  /**
   * @param vm {@code namespace/name}
   * @param reason the VM's status reason, e.g. {@code MigrationFailed}
   * @param detail the VM's status message: the hypervisor's error, or why no host fits
   */
  public record Obstacle(String vm, String reason, String detail) {}

  private final Map<String, List<Obstacle>> byHost = new HashMap<>();

  public void record(HostState host, String vm, String reason, String detail) {
    byHost
        .computeIfAbsent(host.name(), h -> new ArrayList<>())
        .add(new Obstacle(vm, reason, detail == null ? "" : detail));
  }

  public List<Obstacle> on(String host) {
    List<Obstacle> obstacles = new ArrayList<>(byHost.getOrDefault(host, List.of()));
    // VMs are planned in priority order, which may change between plans: a stable message is
    // written once, not on every reordering
    obstacles.sort(Comparator.comparing(Obstacle::vm));
    return obstacles;
  }

  /**
   * {@code Drained}: True once a host in maintenance or being deleted has no VM left; False while
   * its VMs leave, with the reason and each VM that cannot leave when some cannot.
   */
  public Condition condition(HostState host) {
    var view = host.view();
    if (!view.maintenance() && !view.deleting()) {
      return Condition.of(TYPE, false, "NotRequested", "");
    }
    if (host.phase() == HostPhase.Maintenance) {
      return Condition.of(TYPE, true, "Drained", "no VM is left on the host");
    }
    List<Obstacle> obstacles = on(host.name());
    if (obstacles.isEmpty()) {
      return Condition.of(
          TYPE, false, "Draining", "waiting for the VMs to leave (host is " + host.phase() + ")");
    }
    return Condition.of(TYPE, false, reason(obstacles), message(obstacles));
  }

  /** The VMs' common reason, so that one kind of failure reads as itself. */
  private static String reason(List<Obstacle> obstacles) {
    Set<String> reasons = new LinkedHashSet<>();
    obstacles.forEach(o -> reasons.add(o.reason()));
    return reasons.size() == 1 ? reasons.iterator().next() : "VmsCannotLeave";
  }

  private static String message(List<Obstacle> obstacles) {
    StringBuilder message =
        new StringBuilder("the drain cannot move ")
            .append(obstacles.size())
            .append(obstacles.size() == 1 ? " VM" : " VMs");
    for (Obstacle obstacle : obstacles.subList(0, Math.min(NAMED, obstacles.size()))) {
      message.append(". ").append(obstacle.vm()).append(": ").append(obstacle.detail());
    }
    if (obstacles.size() > NAMED) {
      message
          .append(". And ")
          .append(obstacles.size() - NAMED)
          .append(" more, each saying why in its status");
    }
    return message.toString();
  }
}
