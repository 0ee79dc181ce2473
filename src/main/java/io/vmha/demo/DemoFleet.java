package io.vmha.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import io.vmha.testbed.LibvirtHosts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /**
   * The same fleet on the real libvirt test hosts, which run QEMU under software emulation on a
   * small machine: every guest gets 1 vCPU and 128 MiB (the test guest needs no more), the hosts'
   * capacities shrink (a 64th of the memory, half the cpus: with a quarter, indian took two guests,
   * and the anti-affinity scenario failed whenever the earlier ones had left two there, as the
   * drain had nowhere to put web-2; now memory binds, at four), the repositories point at the
   * hosts' shared and local directories, and the images are copies of the test guest. {@code
   * arctic} goes ({@code monitor}'s scenario is not played there), and {@code monitor} with it is
   * free to run anywhere.
   */
  static List<HasMetadata> onLibvirt(
      List<HasMetadata> objects, LibvirtHosts lab, Map<String, String> labHostOf)
      throws IOException {
    List<HasMetadata> sized = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof VmHost host) {
        if (!labHostOf.containsKey(host.getMetadata().getName())) {
          continue;
        }
        var capacity = host.getSpec().getCapacity();
        capacity.setCpus(Math.max(1, capacity.getCpus() / 2));
        capacity.setMemoryMiB(capacity.getMemoryMiB() / 64);
      } else if (object instanceof StorageRepository repository) {
        var spec = repository.getSpec();
        Path dir =
            spec.getHost() == null
                ? lab.sharedDir
                : lab.hosts.get(labHostOf.get(spec.getHost())).localDir();
        spec.setMountPath(dir.toString());
      } else if (object instanceof VmTemplate template) {
        template.getSpec().setCpus(1);
        template.getSpec().setMemoryMiB(128L);
      } else if (object instanceof VirtualMachine vm) {
        vm.getSpec().setHostSelector(null);
        if (vm.getSpec().getCpus() != null) {
          vm.getSpec().setCpus(1);
        }
        if (vm.getSpec().getMemoryMiB() != null) {
          vm.getSpec().setMemoryMiB(128L);
        }
      }
      sized.add(object);
    }
    copyTestGuestImages(sized, lab);
    return sized;
  }

  /** Every image the fleet boots, as a copy of the test guest's disk where it is missing. */
  private static void copyTestGuestImages(List<HasMetadata> objects, LibvirtHosts lab)
      throws IOException {
    Map<String, Path> mounts = new java.util.HashMap<>();
    for (HasMetadata object : objects) {
      if (object instanceof StorageRepository repository) {
        mounts.put(
            repository.getMetadata().getName(), Path.of(repository.getSpec().getMountPath()));
      }
    }
    for (HasMetadata object : objects) {
      io.vmha.api.ImageRef image =
          object instanceof VmTemplate t
              ? t.getSpec().getImage()
              : object instanceof VirtualMachine vm ? vm.getSpec().getImage() : null;
      if (image != null) {
        Path file = mounts.get(image.getRepository()).resolve(image.getPath());
        if (!Files.exists(file)) {
          Files.createDirectories(file.getParent());
          Files.copy(lab.baseImage(), file);
        }
      }
    }
  }
}
