package io.vmha.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fleet the demo plays with: the objects of {@code examples/} (three hosts, the shared
 * repository {@code zos}, the local repository of {@code pacific}, {@code sles10template} and five
 * VMs), plus a small fourth host, {@code arctic}, that only the guest-agent VM {@code monitor} fits
 * on: killing arctic's agent then shows F3 without putting other VMs at risk.
 */
final class DemoFleet {
  static final String NAMESPACE = "demo";
  static final List<String> EXAMPLES =
      List.of("hosts.yaml", "repositories.yaml", "template.yaml", "vms.yaml");

  private DemoFleet() {}

  static List<HasMetadata> load(KubernetesClient client) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String file : EXAMPLES) {
      try (InputStream in =
          DemoFleet.class.getClassLoader().getResourceAsStream("examples/" + file)) {
        if (in == null) {
          throw new IllegalStateException(
              "examples/" + file + " is not on the classpath: build with ./mvnw package");
        }
        for (HasMetadata item : client.load(in).items()) {
          objects.add(typed(client, item));
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read examples/" + file, e);
      }
    }
    VmHost arctic =
        client
            .getKubernetesSerialization()
            .unmarshal(
                """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata:
          name: arctic
          labels: {vmha.io/role: guest-agents}
        spec:
          capacity: {cpus: 2, memoryMiB: 2048}
          spmPriority: Never
        """,
                VmHost.class);
    objects.add(arctic);
    for (HasMetadata object : objects) {
      if (object instanceof VirtualMachine vm && vm.getMetadata().getName().equals("monitor")) {
        vm.getSpec().setHostSelector(Map.of("vmha.io/role", "guest-agents"));
      }
    }
    return objects;
  }

  private static HasMetadata typed(KubernetesClient client, HasMetadata item) {
    Class<? extends HasMetadata> type =
        switch (item.getKind()) {
          case "VmHost" -> VmHost.class;
          case "StorageRepository" -> StorageRepository.class;
          case "VmTemplate" -> VmTemplate.class;
          case "VirtualMachine" -> VirtualMachine.class;
          default ->
              throw new IllegalStateException("unexpected kind in examples: " + item.getKind());
        };
    return type.isInstance(item)
        ? item
        : client.getKubernetesSerialization().convertValue(item, type);
  }

  static void apply(KubernetesClient client, List<HasMetadata> objects) {
    for (HasMetadata object : objects) {
      if (object instanceof VirtualMachine || object instanceof VmTemplate) {
        object.getMetadata().setNamespace(NAMESPACE);
      }
      client.resource(object).create();
    }
  }

  static List<String> hostNames(List<HasMetadata> objects) {
    return objects.stream()
        .filter(VmHost.class::isInstance)
        .map(o -> o.getMetadata().getName())
        .toList();
  }
}
