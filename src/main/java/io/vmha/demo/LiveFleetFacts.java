package io.vmha.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.Instance;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmAffinitySpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmhaApi;
import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.Resources;
import io.vmha.operator.AffinityViews;
import io.vmha.operator.VmStatusViews;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The demo's live fleet as the invariant checker reads it: what the simulated hypervisors run, and
 * what the API server says. It cannot see which hosts act as SPM nor what the operator knew when it
 * decided, so it leaves those facts unknown; the reads are not one consistent cut, and only the
 * checks that compare what runs with what the operator knew would need one.
 */
final class LiveFleetFacts {
  private LiveFleetFacts() {}

  static FleetFacts read(
      KubernetesClient client,
      DemoHosts hypervisors,
      String leaseNamespace,
      FencingPolicy fencing) {
    Map<String, VmHost> registered = new HashMap<>();
    client
        .resources(VmHost.class)
        .list()
        .getItems()
        .forEach(h -> registered.put(h.getMetadata().getName(), h));
    Map<String, List<Instance>> running = hypervisors.instancesByHost();
    Set<String> names = new TreeSet<>(registered.keySet());
    names.addAll(running.keySet());
    List<FleetFacts.Host> hosts = new ArrayList<>();
    Set<String> marked = new HashSet<>();
    for (String name : names) {
      VmHost host = registered.get(name);
      hosts.add(
          new FleetFacts.Host(
              name,
              host == null ? null : capacity(host),
              running.getOrDefault(name, List.of()).stream().map(Instance::report).toList()));
      if (host != null
          && host.getStatus() != null
          && Boolean.TRUE.equals(host.getStatus().getSpm())) {
        marked.add(name);
      }
    }
    Lease lease = client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).get();
    String holder = lease == null ? null : lease.getSpec().getHolderIdentity();
    Map<String, VmAffinitySpec> templateAffinities = new HashMap<>();
    for (VmTemplate template :
        client.resources(VmTemplate.class).inAnyNamespace().list().getItems()) {
      if (template.getSpec().getAffinity() != null) {
        templateAffinities.put(key(template), template.getSpec().getAffinity());
      }
    }
    List<FleetFacts.Vm> vms =
        client.resources(VirtualMachine.class).inAnyNamespace().list().getItems().stream()
            .map(vm -> vm(vm, templateAffinities))
            .toList();
    return new FleetFacts(fencing, hosts, vms, new FleetFacts.Spm(holder, marked, null), null);
  }

  private static Resources capacity(VmHost host) {
    return host.getSpec().getCapacity() == null
        ? Resources.ZERO
        : resources(host.getSpec().getCapacity());
  }

  private static Resources resources(io.vmha.api.Resources r) {
    return Resources.of(
        r.getCpus() == null ? 0 : r.getCpus() * 1000L,
        r.getMemoryMiB() == null ? 0 : r.getMemoryMiB());
  }

  private static FleetFacts.Vm vm(VirtualMachine vm, Map<String, VmAffinitySpec> templates) {
    var spec = vm.getSpec();
    VmAffinitySpec template =
        spec.getTemplateRef() == null
            ? null
            : templates.get(
                vm.getMetadata().getNamespace() + "/" + spec.getTemplateRef().getName());
    return new FleetFacts.Vm(
        key(vm),
        VmStatusViews.of(vm.getStatus()),
        !Boolean.FALSE.equals(spec.getRunning()),
        vm.getMetadata().getDeletionTimestamp() != null,
        false,
        vm.getMetadata().getLabels(),
        AffinityViews.resolved(spec.getAffinity(), template).requiredAntiAffinity());
  }

  private static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }
}
