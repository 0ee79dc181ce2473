package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Observed state of a virtual machine. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualMachineStatus {
  @JsonPropertyDescription(
      "Pending, Starting, Running, Paused, Migrating, Stopping, Stopped or Failed.")
  private String phase;

  @JsonPropertyDescription("When the VM entered its current phase (RFC 3339, operator clock).")
  private String phaseSince;

  @JsonPropertyDescription(
      "One-word reason for the phase, e.g. WaitingForHost, NoCapacity, GuestAgentAlive, TooManyRestarts.")
  private String reason;

  @JsonPropertyDescription("What the phase means for this VM and what a user can do about it.")
  private String message;

  @JsonPropertyDescription("Host the VM's instance is placed on.")
  private String host;

  @JsonPropertyDescription("Name of the VM's current instance on its host.")
  private String instanceName;

  @JsonPropertyDescription(
      "Ready, Placed, DuplicateRisk, RestartRequired; GuestReady where the host asks the guest"
          + " agent.")
  private List<Condition> conditions;

  @JsonPropertyDescription("metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Old instances that may still run on hosts that lost their agent.")
  private List<StaleInstance> staleInstances;

  @JsonPropertyDescription("The live migration in progress, if any.")
  private MigrationStatus migration;

  @JsonPropertyDescription("Failed start attempts within the restart window.")
  private List<RestartAttempt> restartAttempts;

  @JsonPropertyDescription("No new start attempt before this time (RFC 3339).")
  private String backoffUntil;

  @JsonPropertyDescription("Times the VM was re-placed because its host failed.")
  private Integer failoverCount;

  @JsonPropertyDescription("Times the VM was live-migrated.")
  private Integer migrationCount;

  @JsonPropertyDescription("When the VM was last re-placed after a host failure.")
  private String lastFailoverTime;

  @JsonPropertyDescription("When the VM last finished a live migration.")
  private String lastMigrationTime;

  @JsonPropertyDescription(
      "Times the VM's guest was reset in place because its guest agent stopped answering (VM"
          + " monitoring).")
  private Integer guestResetCount;

  @JsonPropertyDescription("When the VM's guest was last reset in place by VM monitoring.")
  private String lastGuestResetTime;

  @JsonPropertyDescription(
      "The resets of the current instance within its reset window (RFC 3339, agent clock), as its"
          + " host reported them: a restarted agent counts them too.")
  private List<String> recentGuestResets;

  public Integer getGuestResetCount() {
    return guestResetCount;
  }

  public void setGuestResetCount(Integer guestResetCount) {
    this.guestResetCount = guestResetCount;
  }

  public String getLastGuestResetTime() {
    return lastGuestResetTime;
  }

  public void setLastGuestResetTime(String lastGuestResetTime) {
    this.lastGuestResetTime = lastGuestResetTime;
  }

  public List<String> getRecentGuestResets() {
    return recentGuestResets;
  }

  public void setRecentGuestResets(List<String> recentGuestResets) {
    this.recentGuestResets = recentGuestResets;
  }

  @JsonPropertyDescription("When the current instance was placed.")
  private String placedAt;

  @JsonPropertyDescription(
      "CPU and memory the current instance was placed with; a spec change takes effect at the next start.")
  private Resources appliedResources;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public String getPhaseSince() {
    return phaseSince;
  }

  public void setPhaseSince(String phaseSince) {
    this.phaseSince = phaseSince;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getInstanceName() {
    return instanceName;
  }

  public void setInstanceName(String instanceName) {
    this.instanceName = instanceName;
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

  public List<StaleInstance> getStaleInstances() {
    return staleInstances;
  }

  public void setStaleInstances(List<StaleInstance> staleInstances) {
    this.staleInstances = staleInstances;
  }

  public MigrationStatus getMigration() {
    return migration;
  }

  public void setMigration(MigrationStatus migration) {
    this.migration = migration;
  }

  public List<RestartAttempt> getRestartAttempts() {
    return restartAttempts;
  }

  public void setRestartAttempts(List<RestartAttempt> restartAttempts) {
    this.restartAttempts = restartAttempts;
  }

  public String getBackoffUntil() {
    return backoffUntil;
  }

  public void setBackoffUntil(String backoffUntil) {
    this.backoffUntil = backoffUntil;
  }

  public Integer getFailoverCount() {
    return failoverCount;
  }

  public void setFailoverCount(Integer failoverCount) {
    this.failoverCount = failoverCount;
  }

  public Integer getMigrationCount() {
    return migrationCount;
  }

  public void setMigrationCount(Integer migrationCount) {
    this.migrationCount = migrationCount;
  }

  public String getLastFailoverTime() {
    return lastFailoverTime;
  }

  public void setLastFailoverTime(String lastFailoverTime) {
    this.lastFailoverTime = lastFailoverTime;
  }

  public String getLastMigrationTime() {
    return lastMigrationTime;
  }

  public void setLastMigrationTime(String lastMigrationTime) {
    this.lastMigrationTime = lastMigrationTime;
  }

  public String getPlacedAt() {
    return placedAt;
  }

  public void setPlacedAt(String placedAt) {
    this.placedAt = placedAt;
  }

  public Resources getAppliedResources() {
    return appliedResources;
  }

  public void setAppliedResources(Resources appliedResources) {
    this.appliedResources = appliedResources;
  }
}
