package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** Desired state of a hypervisor host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmHostSpec {
  @Required
  @JsonPropertyDescription("CPU and memory this host offers to VMs.")
  private Resources capacity;

  @Default("false")
  @JsonPropertyDescription("Cordon: no new VM is placed here; running VMs stay.")
  private Boolean unschedulable;

  @Default("false")
  @JsonPropertyDescription(
      "Drain the host: every VM is live-migrated away, then the host is in Maintenance.")
  private Boolean maintenance;

  @Default("Normal")
  @JsonPropertyDescription(
      "Preference for the Storage Pool Manager role: High, Normal, Low, or Never to exclude the host.")
  private SpmPriority spmPriority;

  @JsonPropertyDescription(
      "The host's BMC: when the host is judged lost the operator powers it off and restarts its"
          + " VMs as soon as the BMC confirms, sooner than the self-fence deadline.")
  private PowerManagement powerManagement;

  public PowerManagement getPowerManagement() {
    return powerManagement;
  }

  public void setPowerManagement(PowerManagement powerManagement) {
    this.powerManagement = powerManagement;
  }

  public Resources getCapacity() {
    return capacity;
  }

  public void setCapacity(Resources capacity) {
    this.capacity = capacity;
  }

  public Boolean getUnschedulable() {
    return unschedulable;
  }

  public void setUnschedulable(Boolean unschedulable) {
    this.unschedulable = unschedulable;
  }

  public Boolean getMaintenance() {
    return maintenance;
  }

  public void setMaintenance(Boolean maintenance) {
    this.maintenance = maintenance;
  }

  public SpmPriority getSpmPriority() {
    return spmPriority;
  }

  public void setSpmPriority(SpmPriority spmPriority) {
    this.spmPriority = spmPriority;
  }
}
