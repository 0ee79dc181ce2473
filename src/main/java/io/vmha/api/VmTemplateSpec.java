package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A VM template: image, size and HA defaults for the VMs made from it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = RestartReadiness.GUEST_READY_NEEDS_AGENT,
    message = RestartReadiness.GUEST_READY_NEEDS_AGENT_MESSAGE)
@ValidationRule(
    value = VmMonitoring.NEEDS_GUEST_AGENT,
    message = VmMonitoring.NEEDS_GUEST_AGENT_MESSAGE)
public class VmTemplateSpec {
  @JsonPropertyDescription(
      VmMonitoring.DESCRIPTION
          + " Applies to the VMs made from the template that set no monitoring of their own.")
  private VmMonitoring monitoring;

  public VmMonitoring getMonitoring() {
    return monitoring;
  }

  public void setMonitoring(VmMonitoring monitoring) {
    this.monitoring = monitoring;
  }

  @Required
  @JsonPropertyDescription("The template's disk image.")
  private ImageRef image;

  @Required
  @Min(1)
  @JsonPropertyDescription("Virtual CPUs of each VM made from the template.")
  private Integer cpus;

  @Required
  @Min(1)
  @JsonPropertyDescription("Memory in MiB of each VM made from the template.")
  private Long memoryMiB;

  @Default("false")
  @JsonPropertyDescription(
      "VMs made from the template run the vmha guest agent, which renews a guest heartbeat Lease.")
  private Boolean guestAgent;

  @JsonPropertyDescription(StorageErrorPolicy.DESCRIPTION + " Unset: AutoResume.")
  private StorageErrorPolicy storageErrorPolicy;

  @JsonPropertyDescription("HA defaults for VMs made from this template.")
  private HighAvailability highAvailability;

  @JsonPropertyDescription(
      VmAffinitySpec.DESCRIPTION
          + " Applies to the VMs made from the template that set no affinity of their own.")
  private VmAffinitySpec affinity;

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

  public StorageErrorPolicy getStorageErrorPolicy() {
    return storageErrorPolicy;
  }

  public void setStorageErrorPolicy(StorageErrorPolicy storageErrorPolicy) {
    this.storageErrorPolicy = storageErrorPolicy;
  }

  public Boolean getGuestAgent() {
    return guestAgent;
  }

  public void setGuestAgent(Boolean guestAgent) {
    this.guestAgent = guestAgent;
  }

  public HighAvailability getHighAvailability() {
    return highAvailability;
  }

  public void setHighAvailability(HighAvailability highAvailability) {
    this.highAvailability = highAvailability;
  }

  public VmAffinitySpec getAffinity() {
    return affinity;
  }

  public void setAffinity(VmAffinitySpec affinity) {
    this.affinity = affinity;
  }
}
