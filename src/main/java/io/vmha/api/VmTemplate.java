package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A VM template: the image and size VMs are made from, and the counter that names instances. */
@Group(VmhaApi.GROUP)
@Version(VmhaApi.VERSION)
@Plural("vmtemplates")
@ShortNames("vmtpl")
@Categories(VmhaApi.CATEGORY)
@AdditionalPrinterColumn(name = "Repository", jsonPath = ".spec.image.repository")
@AdditionalPrinterColumn(
    name = "CPUs",
    jsonPath = ".spec.cpus",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Memory-MiB",
    jsonPath = ".spec.memoryMiB",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Instances",
    jsonPath = ".status.instanceCounter",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VmTemplate extends CustomResource<VmTemplateSpec, VmTemplateStatus>
    implements Namespaced {
  @Override
  @Required
  @JsonPropertyDescription(
      "Desired state: the image, size and HA defaults of the VMs made from this template.")
  public VmTemplateSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Observed state: the instance counter and use.")
  public VmTemplateStatus getStatus() {
    return super.getStatus();
  }
}
