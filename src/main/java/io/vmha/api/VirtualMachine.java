package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalSelectableField;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A highly available virtual machine. Short name {@code havm}: {@code vm} and {@code vmi} belong to
 * KubeVirt, which may run in the same cluster.
 */
@ValidationRule(
    value = "!has(self.spec.startAfter) || !(self.metadata.name in self.spec.startAfter)",
    message = "a VM cannot start after itself (spec.startAfter names the VM)")
@Group(VmhaApi.GROUP)
@Version(VmhaApi.VERSION)
@Plural("virtualmachines")
@ShortNames("havm")
@Categories(VmhaApi.CATEGORY)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.reason")
@AdditionalPrinterColumn(name = "Host", jsonPath = ".status.host")
@AdditionalPrinterColumn(name = "Instance", jsonPath = ".status.instanceName")
@AdditionalPrinterColumn(
    name = "HA",
    jsonPath = ".spec.highAvailability.enabled",
    type = AdditionalPrinterColumn.Type.BOOLEAN,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Priority",
    jsonPath = ".spec.highAvailability.priority",
    priority = 1)
@AdditionalPrinterColumn(
    name = "Failovers",
    jsonPath = ".status.failoverCount",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
// Agents watch the VMs placed on their host, or migrating to it, by these fields (Kubernetes
// 1.31+);
// users can select by them too: kubectl get havm --field-selector status.host=<host>.
@AdditionalSelectableField(jsonPath = ".status.host")
@AdditionalSelectableField(jsonPath = ".status.migration.targetHost")
public class VirtualMachine extends CustomResource<VirtualMachineSpec, VirtualMachineStatus>
    implements Namespaced {
  @Override
  @Required
  @JsonPropertyDescription("Desired state: what to run and how it fails over.")
  public VirtualMachineSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Observed state: placement, phase, conditions and failover history, written by the operator.")
  public VirtualMachineStatus getStatus() {
    return super.getStatus();
  }
}
