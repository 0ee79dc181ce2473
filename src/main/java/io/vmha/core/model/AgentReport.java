package io.vmha.core.model;

import java.util.List;
import java.util.Set;

/**
 * What a host agent reports about itself in {@code VmHost.status.reported}.
 *
 * @param fenced the agent confirms that it carried out a requested fencing (restarted itself and
 *     dropped the SPM lease); it keeps saying so until the operator clears the request
 */
public record AgentReport(
    boolean storageConnected,
    boolean networkConnected,
    Set<String> reachableRepositories,
    List<InstanceReport> instances,
    boolean fenced) {
  public AgentReport {
    reachableRepositories = Set.copyOf(reachableRepositories);
    instances = List.copyOf(instances);
  }

  public static AgentReport healthy(Set<String> repositories, List<InstanceReport> instances) {
    return new AgentReport(true, true, repositories, instances, false);
  }
}
