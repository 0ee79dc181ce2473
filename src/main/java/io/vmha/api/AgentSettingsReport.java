package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The timings, fencing policy and failover threshold an agent runs with, as ISO-8601 durations: the
 * operator marks a host whose agent runs other ones NonOperational (R6).
 */
public class AgentSettingsReport {
  @JsonPropertyDescription("How often the agent renews its heartbeat Lease (ISO-8601, e.g. PT2S).")
  private String heartbeatInterval;

  @JsonPropertyDescription(
      "How long without an acknowledged renewal before it may fence (ISO-8601).")
  private String selfFenceAfter;

  @JsonPropertyDescription(
      "The grace period the agent assumes the operator judges it by (ISO-8601).")
  private String hostGracePeriod;

  @JsonPropertyDescription("The fencing policy the agent follows: SelfFence or None.")
  private String fencing;

  @JsonPropertyDescription(
      "The failover threshold the agent assumes (failover.maxUnhealthyFraction).")
  private Double maxUnhealthyFraction;

  public String getHeartbeatInterval() {
    return heartbeatInterval;
  }

  public void setHeartbeatInterval(String heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  public String getSelfFenceAfter() {
    return selfFenceAfter;
  }

  public void setSelfFenceAfter(String selfFenceAfter) {
    this.selfFenceAfter = selfFenceAfter;
  }

  public String getHostGracePeriod() {
    return hostGracePeriod;
  }

  public void setHostGracePeriod(String hostGracePeriod) {
    this.hostGracePeriod = hostGracePeriod;
  }

  public String getFencing() {
    return fencing;
  }

  public void setFencing(String fencing) {
    this.fencing = fencing;
  }

  public Double getMaxUnhealthyFraction() {
    return maxUnhealthyFraction;
  }

  public void setMaxUnhealthyFraction(Double maxUnhealthyFraction) {
    this.maxUnhealthyFraction = maxUnhealthyFraction;
  }
}
