package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Desired state of a virtual machine. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.templateRef) != has(self.image)",
    message = "set exactly one of templateRef (a VM from a template) and image (a standalone VM)")
@ValidationRule(
    value = "has(self.templateRef) || (has(self.cpus) && has(self.memoryMiB))",
    message = "a standalone VM (image) must set cpus and memoryMiB")
@ValidationRule(
    value =
        "!has(self.storageErrorPolicy) || self.storageErrorPolicy != 'Kill'"
            + " || !has(self.highAvailability) || !has(self.highAvailability.enabled)"
            + " || self.highAvailability.enabled",
    message =
        "storageErrorPolicy Kill stops the VM to restart it elsewhere, which needs highAvailability.enabled")
@ValidationRule(
    value = RestartReadiness.GUEST_READY_NEEDS_AGENT,
    message = RestartReadiness.GUEST_READY_NEEDS_AGENT_MESSAGE)
@ValidationRule(
    value = VmMonitoring.NEEDS_GUEST_AGENT,
    message = VmMonitoring.NEEDS_GUEST_AGENT_MESSAGE)
public class VirtualMachineSpec {
  @JsonPropertyDescription(
      VmMonitoring.DESCRIPTION
          + " A VM's own replaces its template's as a whole; unset comes from the template, else off.")
  private VmMonitoring monitoring;

  public VmMonitoring getMonitoring() {
    return monitoring;
  }

  public void setMonitoring(VmMonitoring monitoring) {
    this.monitoring = monitoring;
  }

  @JsonPropertyDescription(
      "Make the VM from this VmTemplate; its instances are named <template>-<n>. Exclusive with image.")
  private TemplateRef templateRef;

  @JsonPropertyDescription(
      "Standalone VM: its own image; its instance keeps the VM's name. Exclusive with templateRef.")
  private ImageRef image;

  @Min(1)
  @JsonPropertyDescription("Virtual CPUs; overrides the template. Required for a standalone VM.")
  private Integer cpus;

  @Min(1)
  @JsonPropertyDescription("Memory in MiB; overrides the template. Required for a standalone VM.")
  private Long memoryMiB;

  @Default("true")
  @JsonPropertyDescription("Run the VM. false stops its instance; true again places it anew.")
  private Boolean running;

  @JsonPropertyDescription("Failover settings; unset fields come from the template.")
  private HighAvailability highAvailability;

  @JsonPropertyDescription(
      "The guest runs the vmha guest agent (heartbeat Lease vmha-guest-<vm>); unset comes from the template.")
  private Boolean guestAgent;

  @JsonPropertyDescription(
      StorageErrorPolicy.DESCRIPTION + " Unset comes from the template, else AutoResume.")
  private StorageErrorPolicy storageErrorPolicy;

  @JsonPropertyDescription("Labels a VmHost must carry to run this VM.")
  private Map<String, String> hostSelector;

  @JsonPropertyDescription(
      VmAffinitySpec.DESCRIPTION
          + " Set on the VM, it replaces the template's affinity as a whole; unset takes the template's.")
  private VmAffinitySpec affinity;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Names of VMs of this namespace that start before this one: while one of them is being started (new,"
          + " Pending, Starting, or Running but not yet ready by its highAvailability.readiness), this VM stays"
          + " Pending (WaitingForDependency), at most that VM's readiness timeout. A VM that is not being"
          + " started (running, stopped, Failed, absent) delays nothing. A list that closes a cycle or names a"
          + " VM of lower priority is refused: the StartOrder condition says why, and the VM starts without"
          + " waiting.")
  private List<@Size(min = 1, max = 253) String> startAfter;

  public StorageErrorPolicy getStorageErrorPolicy() {
    return storageErrorPolicy;
  }

  public void setStorageErrorPolicy(StorageErrorPolicy storageErrorPolicy) {
    this.storageErrorPolicy = storageErrorPolicy;
  }

  public TemplateRef getTemplateRef() {
    return templateRef;
  }

  public void setTemplateRef(TemplateRef templateRef) {
    this.templateRef = templateRef;
  }

  public ImageRef getImage() {
    return image;
  }

  public void setImage(ImageRef image) {
    this.image = image;
  }

  public Integer getCpus() {
    return cpus;
  }

  public void setCpus(Integer cpus) {
    this.cpus = cpus;
  }

  public Long getMemoryMiB() {
    return memoryMiB;
  }

  public void setMemoryMiB(Long memoryMiB) {
    this.memoryMiB = memoryMiB;
  }

  public Boolean getRunning() {
    return running;
  }

  public void setRunning(Boolean running) {
    this.running = running;
  }

  public HighAvailability getHighAvailability() {
    return highAvailability;
  }

  public void setHighAvailability(HighAvailability highAvailability) {
    this.highAvailability = highAvailability;
  }

  public Boolean getGuestAgent() {
    return guestAgent;
  }

  public void setGuestAgent(Boolean guestAgent) {
    this.guestAgent = guestAgent;
  }

  public Map<String, String> getHostSelector() {
    return hostSelector;
  }

  public void setHostSelector(Map<String, String> hostSelector) {
    this.hostSelector = hostSelector;
  }

  public VmAffinitySpec getAffinity() {
    return affinity;
  }

  public void setAffinity(VmAffinitySpec affinity) {
    this.affinity = affinity;
  }

  public List<String> getStartAfter() {
    return startAfter;
  }

  public void setStartAfter(List<String> startAfter) {
    this.startAfter = startAfter;
  }
}
