package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An instance the operator tells a host's agent to stop and remove. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstanceToStop {
  @Required
  @JsonPropertyDescription("Instance name on the host.")
  private String name;

  @JsonPropertyDescription("The VirtualMachine it belonged to, as namespace/name.")
  private String vm;

  @JsonPropertyDescription(
      "Stale (the VM runs elsewhere now), NotRunning (the VM was stopped), Deleted (the VM is being deleted) or Orphan (no VM claims it).")
  private String reason;

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

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public InstanceToStop() {}

  public InstanceToStop(String name, String vm, String reason) {
    this.name = name;
    this.vm = vm;
    this.reason = reason;
  }
}
