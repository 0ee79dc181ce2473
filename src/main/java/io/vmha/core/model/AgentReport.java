package io.vmha.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What a host agent reports about itself in {@code VmHost.status.reported}.
 *
 * @param settings the timings, fencing policy and failover threshold the agent runs with, or null
 *     if it does not say (then they are not checked)
 * @param fenced the agent confirms that it carried out a requested fencing (restarted itself and
 *     dropped the SPM lease); it keeps saying so until the operator clears the request
 * @param freshStartAt when the agent last started afresh (the host's clock): its run began, or it
 *     fenced itself and stopped every instance; null if it does not say. An instance missing from a
 *     host that started afresh after its VM was recorded went down with the host (F7)
 */
public record AgentReport(
    boolean storageConnected,
    boolean networkConnected,
    Set<String> reachableRepositories,
    List<InstanceReport> instances,
    boolean fenced,
    AgentSettings settings,
    Instant freshStartAt) {
  public AgentReport {
    reachableRepositories = Set.copyOf(reachableRepositories);
    instances = List.copyOf(instances);
  }

  public AgentReport(
      boolean storageConnected,
      boolean networkConnected,
      Set<String> reachableRepositories,
      List<InstanceReport> instances,
      boolean fenced,
      AgentSettings settings) {
    this(
        storageConnected,
        networkConnected,
        reachableRepositories,
        instances,
        fenced,
        settings,
        null);
  }

  /** A report without the agent's settings (an agent older than R6): they are not checked. */
  public AgentReport(
      boolean storageConnected,
      boolean networkConnected,
      Set<String> reachableRepositories,
      List<InstanceReport> instances,
      boolean fenced) {
    this(storageConnected, networkConnected, reachableRepositories, instances, fenced, null, null);
  }

  public static AgentReport healthy(Set<String> repositories, List<InstanceReport> instances) {
    return new AgentReport(true, true, repositories, instances, false);
  }
}
