package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A VM instance as the host agent sees it on its hypervisor. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstanceReport {
  @Required
  @JsonPropertyDescription("Instance name (the hypervisor domain name).")
  private String name;

  @JsonPropertyDescription(
      "The VirtualMachine it belongs to, as namespace/name; empty for an instance the agent did not start.")
  private String vm;

  @Required
  @JsonPropertyDescription("Starting, Running, Paused, Stopped or Failed.")
  private String state;

  @JsonPropertyDescription(
      "Why the instance is in this state, e.g. the start error or StorageLost for a pause.")
  private String reason;

  @JsonPropertyDescription("CPU and memory the instance was started with.")
  private Resources resources;

  @JsonPropertyDescription("When the instance entered this state (RFC 3339, agent clock).")
  private String since;

  @JsonPropertyDescription(
      "Live migrations of this instance that failed in a row (the operator aborts after a few).")
  private MigrationFailureReport migrationFailure;

  @JsonPropertyDescription(
      "The host this agent is live-migrating the instance to, from the start of the migration until"
          + " its hypervisor no longer lists the instance here: the guest may land there at any"
          + " moment, so the operator neither calls the migration off nor stops the copy there.")
  private String migratingTo;

  @JsonPropertyDescription(
      "Whether the guest agent inside the instance answered the host's last ping (the QEMU guest"
          + " agent, with the libvirt driver); absent where the host cannot ask.")
  private Boolean guestAgent;

  @JsonPropertyDescription(
      "When the agent reset this instance because its guest agent stopped answering (VM"
          + " monitoring), within the VM's reset window; RFC 3339, agent clock.")
  private java.util.List<String> guestResets;

  @JsonPropertyDescription(
      "True while the guest agent is silent but the instance was already reset monitoring.maxResets"
          + " times within the window: the agent leaves it alone.")
  private Boolean guestLeftAlone;

  public java.util.List<String> getGuestResets() {
    return guestResets;
  }

  public void setGuestResets(java.util.List<String> guestResets) {
    this.guestResets = guestResets;
  }

  public Boolean getGuestLeftAlone() {
    return guestLeftAlone;
  }

  public void setGuestLeftAlone(Boolean guestLeftAlone) {
    this.guestLeftAlone = guestLeftAlone;
  }

  public String getMigratingTo() {
    return migratingTo;
  }

  public void setMigratingTo(String migratingTo) {
    this.migratingTo = migratingTo;
  }

  public Boolean getGuestAgent() {
    return guestAgent;
  }

  public void setGuestAgent(Boolean guestAgent) {
    this.guestAgent = guestAgent;
  }

  public MigrationFailureReport getMigrationFailure() {
    return migrationFailure;
  }

  public void setMigrationFailure(MigrationFailureReport migrationFailure) {
    this.migrationFailure = migrationFailure;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getVm() {
    return vm;
  }

  public void setVm(String vm) {
    this.vm = vm;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Resources getResources() {
    return resources;
  }

  public void setResources(Resources resources) {
    this.resources = resources;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }
}
