package io.vmha.core.model;

import java.util.List;
import java.util.Set;

/**
 * What a host agent reports about itself in {@code VmHost.status.reported}.
 *
 * @param settings the timings, fencing policy and failover threshold the agent runs with, or null
 *     if it does not say (then they are not checked)
 * @param fenced the agent confirms that it carried out a requested fencing (restarted itself and
 *     dropped the SPM lease); it keeps saying so until the operator clears the request
 */
public record AgentReport(
    boolean storageConnected,
    boolean networkConnected,
    Set<String> reachableRepositories,
    List<InstanceReport> instances,
    boolean fenced,
    AgentSettings settings) {
  public AgentReport {
    reachableRepositories = Set.copyOf(reachableRepositories);
    instances = List.copyOf(instances);
  }

  /** A report without the agent's settings (an agent older than R6): they are not checked. */
  public AgentReport(
      boolean storageConnected,
      boolean networkConnected,
      Set<String> reachableRepositories,
      List<InstanceReport> instances,
      boolean fenced) {
    this(storageConnected, networkConnected, reachableRepositories, instances, fenced, null);
  }

  public static AgentReport healthy(Set<String> repositories, List<InstanceReport> instances) {
    return new AgentReport(true, true, repositories, instances, false);
  }
}
