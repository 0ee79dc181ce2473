package io.vmha.operator;

import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Which VMs use which template and repository, and which hosts reach each repository (L3). */
final class Usage {
  static final Usage NONE = new Usage(Map.of(), Map.of(), Map.of());

  private final Map<String, List<String>> vmsByTemplate;
  private final Map<String, List<String>> vmsByRepository;
  private final Map<String, Integer> hostsByRepository;

  private Usage(
      Map<String, List<String>> vmsByTemplate,
      Map<String, List<String>> vmsByRepository,
      Map<String, Integer> hostsByRepository) {
    this.vmsByTemplate = vmsByTemplate;
    this.vmsByRepository = vmsByRepository;
    this.hostsByRepository = hostsByRepository;
  }

  static Usage of(
      Collection<VirtualMachine> vms, Map<String, VmTemplate> templates, Collection<VmHost> hosts) {
    Map<String, List<String>> byTemplate = new HashMap<>();
    Map<String, List<String>> byRepository = new HashMap<>();
    for (VirtualMachine vm : vms) {
      String key = SnapshotBuilder.key(vm);
      var spec = vm.getSpec();
      String repository = spec.getImage() == null ? null : spec.getImage().getRepository();
      if (spec.getTemplateRef() != null) {
        String template = vm.getMetadata().getNamespace() + "/" + spec.getTemplateRef().getName();
        byTemplate.computeIfAbsent(template, t -> new ArrayList<>()).add(key);
        VmTemplate t = templates.get(template);
        if (t != null && t.getSpec() != null && t.getSpec().getImage() != null) {
          repository = t.getSpec().getImage().getRepository();
        }
      }
      if (repository != null) {
        byRepository.computeIfAbsent(repository, r -> new ArrayList<>()).add(key);
      }
    }
    for (VmTemplate template : templates.values()) {
      if (template.getSpec() != null && template.getSpec().getImage() != null) {
        byRepository
            .computeIfAbsent(template.getSpec().getImage().getRepository(), r -> new ArrayList<>())
            .add("template " + SnapshotBuilder.key(template));
      }
    }
    Map<String, Integer> reach = new HashMap<>();
    for (VmHost host : hosts) {
      var status = host.getStatus();
      if (status != null
          && status.getReported() != null
          && status.getReported().getReachableRepositories() != null) {
        status
            .getReported()
            .getReachableRepositories()
            .forEach(r -> reach.merge(r, 1, Integer::sum));
      }
    }
    return new Usage(byTemplate, byRepository, reach);
  }

  List<String> usersOfTemplate(String namespace, String name) {
    return vmsByTemplate.getOrDefault(namespace + "/" + name, List.of());
  }

  List<String> usersOfRepository(String name) {
    return vmsByRepository.getOrDefault(name, List.of());
  }

  int hostsReaching(StorageRepository repository) {
    return hostsByRepository.getOrDefault(repository.getMetadata().getName(), 0);
  }

  static String describe(List<String> users) {
    String shown = String.join(", ", users.subList(0, Math.min(5, users.size())));
    return users.size() > 5 ? shown + " and " + (users.size() - 5) + " more" : shown;
  }
}
