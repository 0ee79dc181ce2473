package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A hypervisor host. Cluster-scoped, like a Node. */
@Group(VmhaApi.GROUP)
@Version(VmhaApi.VERSION)
@Plural("vmhosts")
@ShortNames("vmh")
@Categories(VmhaApi.CATEGORY)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "SPM",
    jsonPath = ".status.spm",
    type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
    name = "VMs",
    jsonPath = ".status.vmCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "CPU-Alloc",
    jsonPath = ".status.allocated.cpus",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "CPU",
    jsonPath = ".spec.capacity.cpus",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Mem-Alloc-MiB",
    jsonPath = ".status.allocated.memoryMiB",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Mem-MiB",
    jsonPath = ".spec.capacity.memoryMiB",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VmHost extends CustomResource<VmHostSpec, VmHostStatus> {
  @Override
  @Required
  @JsonPropertyDescription(
      "Desired state: the host's capacity, cordon, maintenance and SPM preference.")
  public VmHostSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Observed state: phase, conditions, heartbeat, allocation and SPM role (operator) and the agent's report.")
  public VmHostStatus getStatus() {
    return super.getStatus();
  }
}
