package io.vmha.core.health;

import io.vmha.core.MigrationCause;
import io.vmha.core.model.HostPhase;
import io.vmha.core.model.HostView;
import io.vmha.core.model.InstanceReport;
import java.util.List;
import java.util.Map;

/**
 * A host as judged in one plan.
 *
 * @param index position among all hosts sorted by name; placement ties go to the lower index
 * @param heartbeatFresh the operator saw a heartbeat within the grace period
 * @param reporting the heartbeat is fresh and the agent has reported: its report can be trusted
 * @param evacuation why VMs must leave this host by live migration, or null
 * @param instances reported instances by (vm key, instance name)
 * @param settingsMismatch how the agent's settings differ from the operator's (R6); empty if they
 *     agree or the agent does not say
 */
public record HostState(
    int index,
    HostView view,
    HostPhase phase,
    boolean heartbeatFresh,
    boolean reporting,
    MigrationCause evacuation,
    Map<InstanceKey, InstanceReport> instances,
    List<String> settingsMismatch) {

  public HostState {
    settingsMismatch = List.copyOf(settingsMismatch);
  }

  public String name() {
    return view.name();
  }

  public boolean isUp() {
    return phase == HostPhase.Up;
  }

  /**
   * Up, seen renewing by this operator, not cordoned, not draining: new VMs may come here (P1,
   * before capacity and selectors).
   */
  public boolean acceptsVms() {
    return phase == HostPhase.Up
        && view.renewalObserved()
        && !view.unschedulable()
        && !view.maintenance()
        && !view.deleting();
  }

  public InstanceReport instance(String vmKey, String instanceName) {
    return instanceName == null ? null : instances.get(new InstanceKey(vmKey, instanceName));
  }
}
