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

/** Where VM images live: shared by many hosts or local to one. Cluster-scoped. */
@Group(VmhaApi.GROUP)
@Version(VmhaApi.VERSION)
@Plural("storagerepositories")
@ShortNames("vmrepo")
@Categories(VmhaApi.CATEGORY)
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.type")
@AdditionalPrinterColumn(name = "Host", jsonPath = ".spec.host")
@AdditionalPrinterColumn(
    name = "Hosts",
    jsonPath = ".status.reachableHosts",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "VMs",
    jsonPath = ".status.vmCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class StorageRepository
    extends CustomResource<StorageRepositorySpec, StorageRepositoryStatus> {
  @Override
  @Required
  @JsonPropertyDescription(
      "Desired state: the repository's type, owner host or host selector, and location.")
  public StorageRepositorySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Observed state: reachability and use.")
  public StorageRepositoryStatus getStatus() {
    return super.getStatus();
  }
}
