package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the host agent reports; written only by the agent of this host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentReport {
  @JsonPropertyDescription("Version of the agent.")
  private String agentVersion;

  @JsonPropertyDescription("Hypervisor driver in use: simulated or libvirt.")
  private String driver;

  @JsonPropertyDescription(
      "URL of the agent's peer endpoint, which other agents ask during self-fencing.")
  private String endpoint;

  @JsonPropertyDescription(
      "Public keys (Ed25519, X.509, Base64) this host's peer answers are signed with: its own, then"
          + " any it is rotating away from. Only the host's own identity may write them.")
  private List<String> peerKeys;

  @JsonPropertyDescription(
      "Hypervisor URI other hosts live-migrate to, e.g. qemu+tls://host/system.")
  private String migrationUri;

  @JsonPropertyDescription("The host reaches its storage network.")
  private Boolean storageConnected;

  @JsonPropertyDescription("The host's VM network is up.")
  private Boolean networkConnected;

  @JsonPropertyDescription("StorageRepositories the host can read and write now.")
  private List<String> reachableRepositories;

  @JsonPropertyDescription("Every instance on the hypervisor, including ones vmha did not place.")
  private List<InstanceReport> instances;

  @JsonPropertyDescription(
      "The agent carried out a fencing the operator requested (it restarted itself and dropped the SPM Lease); it says so until the operator clears the request.")
  private Boolean fenced;

  @JsonPropertyDescription("When the agent wrote this report (agent clock, informational only).")
  private String reportTime;

  @JsonPropertyDescription(
      "When the agent's current run began (RFC 3339, agent clock): its start, or its resume after a self-fence. Its heartbeat Lease carries the same instant as spec.acquireTime; the operator trusts the report only while the two agree, since a report of an earlier run describes instances the host may no longer run.")
  private String runSince;

  @JsonPropertyDescription(
      "The timings, fencing policy and failover threshold the agent runs with; the operator marks the host NonOperational (condition SettingsMatch=False) if they differ from its own.")
  private AgentSettingsReport settings;

  @JsonPropertyDescription(
      "Set after the agent fenced itself (R7): when it did (RFC 3339). The agent starts nothing until the operator acknowledges this fence in status.selfFenceAcknowledged, so no start races with the re-placement of its VMs.")
  private String selfFencedAt;

  public String getSelfFencedAt() {
    return selfFencedAt;
  }

  public void setSelfFencedAt(String selfFencedAt) {
    this.selfFencedAt = selfFencedAt;
  }

  public AgentSettingsReport getSettings() {
    return settings;
  }

  public void setSettings(AgentSettingsReport settings) {
    this.settings = settings;
  }

  public String getAgentVersion() {
    return agentVersion;
  }

  public void setAgentVersion(String agentVersion) {
    this.agentVersion = agentVersion;
  }

  public String getDriver() {
    return driver;
  }

  public void setDriver(String driver) {
    this.driver = driver;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public List<String> getPeerKeys() {
    return peerKeys;
  }

  public void setPeerKeys(List<String> peerKeys) {
    this.peerKeys = peerKeys;
  }

  public String getMigrationUri() {
    return migrationUri;
  }

  public void setMigrationUri(String migrationUri) {
    this.migrationUri = migrationUri;
  }

  public Boolean getStorageConnected() {
    return storageConnected;
  }

  public void setStorageConnected(Boolean storageConnected) {
    this.storageConnected = storageConnected;
  }

  public Boolean getNetworkConnected() {
    return networkConnected;
  }

  public void setNetworkConnected(Boolean networkConnected) {
    this.networkConnected = networkConnected;
  }

  public List<String> getReachableRepositories() {
    return reachableRepositories;
  }

  public void setReachableRepositories(List<String> reachableRepositories) {
    this.reachableRepositories = reachableRepositories;
  }

  public List<InstanceReport> getInstances() {
    return instances;
  }

  public void setInstances(List<InstanceReport> instances) {
    this.instances = instances;
  }

  public Boolean getFenced() {
    return fenced;
  }

  public void setFenced(Boolean fenced) {
    this.fenced = fenced;
  }

  public String getReportTime() {
    return reportTime;
  }

  public void setReportTime(String reportTime) {
    this.reportTime = reportTime;
  }

  public String getRunSince() {
    return runSince;
  }

  public void setRunSince(String runSince) {
    this.runSince = runSince;
  }
}
