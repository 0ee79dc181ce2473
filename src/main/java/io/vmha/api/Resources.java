package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** CPU and memory: a host's capacity or allocation, or a VM's size. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Resources {
  @Min(0)
  @JsonPropertyDescription("Virtual CPUs (one per physical core: vmha does not overcommit CPU).")
  private Integer cpus;

  @Min(0)
  @JsonPropertyDescription("Memory in MiB.")
  private Long memoryMiB;

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

  public Resources() {}

  public Resources(int cpus, long memoryMiB) {
    this.cpus = cpus;
    this.memoryMiB = memoryMiB;
  }
}
