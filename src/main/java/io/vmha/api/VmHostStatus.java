package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Observed state of a hypervisor host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmHostStatus {
  @JsonPropertyDescription(
      "Up, NotResponding, NonOperational, PreparingForMaintenance, Maintenance, Fencing or Fenced.")
  private String phase;

  @JsonPropertyDescription(
      "Ready, AgentConnected, StorageConnected, NetworkConnected, SettingsMatch, Schedulable,"
          + " Drained, FencingRequested, Fenced, FailoverFrozen, and PowerFenced for a host with"
          + " spec.powerManagement. Drained: True once a host in"
          + " maintenance or being deleted has no VM left; while it drains, False with the VMs"
          + " that cannot leave and why (reason MigrationFailed: live migration failed too often"
          + " in a row, with the hypervisor's error; CannotMigrate: local image or no host fits).")
  private List<Condition> conditions;

  @JsonPropertyDescription("metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "When the operator last saw the host's heartbeat Lease renewed (operator clock, RFC 3339).")
  private String lastHeartbeatTime;

  @JsonPropertyDescription("CPU and memory taken by the VMs placed on this host.")
  private Resources allocated;

  @JsonPropertyDescription("Number of VMs placed on this host.")
  private Integer vmCount;

  @JsonPropertyDescription("This host holds the Storage Pool Manager role (Lease vmha-spm).")
  private Boolean spm;

  @JsonPropertyDescription(
      "The operator asks this host's agent to give up the SPM role (maintenance, fencing): the agent stops acting as SPM, then clears the holder of Lease vmha-spm itself.")
  private Boolean spmReleaseRequested;

  @JsonPropertyDescription("Fencing requested by the operator.")
  private FencingStatus fencing;

  @JsonPropertyDescription(
      "The last power fence through the host's BMC (spec.powerManagement); removed when the host"
          + " renews its heartbeat again.")
  private PowerFencingStatus powerFencing;

  public PowerFencingStatus getPowerFencing() {
    return powerFencing;
  }

  public void setPowerFencing(PowerFencingStatus powerFencing) {
    this.powerFencing = powerFencing;
  }

  @JsonPropertyDescription(
      "Instances the host's agent must stop and remove; the operator keeps this list current.")
  private List<InstanceToStop> instancesToStop;

  @JsonPropertyDescription(
      "The agent's last self-fence (its reported.selfFencedAt) that the operator has planned with: the VMs it ran are re-placed or restarted, and the agent may start what is placed on it again.")
  private String selfFenceAcknowledged;

  public String getSelfFenceAcknowledged() {
    return selfFenceAcknowledged;
  }

  public void setSelfFenceAcknowledged(String selfFenceAcknowledged) {
    this.selfFenceAcknowledged = selfFenceAcknowledged;
  }

  @JsonPropertyDescription("What the host agent reports (written by the agent only).")
  private AgentReport reported;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastHeartbeatTime() {
    return lastHeartbeatTime;
  }

  public void setLastHeartbeatTime(String lastHeartbeatTime) {
    this.lastHeartbeatTime = lastHeartbeatTime;
  }

  public Resources getAllocated() {
    return allocated;
  }

  public void setAllocated(Resources allocated) {
    this.allocated = allocated;
  }

  public Integer getVmCount() {
    return vmCount;
  }

  public void setVmCount(Integer vmCount) {
    this.vmCount = vmCount;
  }

  public Boolean getSpm() {
    return spm;
  }

  public void setSpm(Boolean spm) {
    this.spm = spm;
  }

  public Boolean getSpmReleaseRequested() {
    return spmReleaseRequested;
  }

  public void setSpmReleaseRequested(Boolean spmReleaseRequested) {
    this.spmReleaseRequested = spmReleaseRequested;
  }

  public FencingStatus getFencing() {
    return fencing;
  }

  public void setFencing(FencingStatus fencing) {
    this.fencing = fencing;
  }

  public List<InstanceToStop> getInstancesToStop() {
    return instancesToStop;
  }

  public void setInstancesToStop(List<InstanceToStop> instancesToStop) {
    this.instancesToStop = instancesToStop;
  }

  public AgentReport getReported() {
    return reported;
  }

  public void setReported(AgentReport reported) {
    this.reported = reported;
  }
}
