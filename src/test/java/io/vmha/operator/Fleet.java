package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.api.StorageRepository;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.PlacementPolicy;
import java.time.Duration;
import java.util.List;

/**
 * A fleet on the mock API server with the operator running and fake agents: the seed scenarios are
 * written against this. Timings are shortened but keep the spec's proportions (H1).
 */
final class Fleet implements AutoCloseable {
  static final String LEASES = "vmha-system";

  final KubernetesClient client;
  final VmhaOperator operator;
  final FakeAgents agents;

  private Fleet(KubernetesClient client, VmhaOperator operator, FakeAgents agents) {
    this.client = client;
    this.operator = operator;
    this.agents = agents;
  }

  /** Waits for the fleet to get there; tolerant of objects that have no status yet. */
  static Settings fastSettings(FencingPolicy fencing) {
    return new Settings(
        new Settings.Timings(
            Duration.ofMillis(200),
            Duration.ofMillis(3000),
            Duration.ofMillis(500),
            Duration.ofMillis(3000)),
        new Settings.Failover(fencing, 0.5, 0),
        new Settings.Restarts(
            3, Duration.ofMinutes(10), Duration.ofMillis(500), Duration.ofSeconds(4)),
        new Settings.Placement(PlacementPolicy.LeastAllocated, 2));
  }

  static Fleet start(
      KubernetesClient client, KubernetesMockServer server, Settings settings, String identity)
      throws Exception {
    MockApi.installCrds(client);
    MockApi.allowLeaderElection(server);
    OperatorOptions options =
        new OperatorOptions(settings, true, "vmha-operator", LEASES, identity, -1, false);
    VmhaOperator operator =
        new VmhaOperator(client, options, MockApi::withoutServerSideApply).start();
    return new Fleet(
        client, operator, new FakeAgents(client, LEASES, settings.heartbeatInterval().toMillis()));
  }

  Fleet host(String name, int cpus, long memoryMiB) {
    apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: %s}
        spec: {capacity: {cpus: %d, memoryMiB: %d}}
        """
            .formatted(name, cpus, memoryMiB));
    agents.add(name);
    return this;
  }

  Fleet sharedRepository(String name) {
    return apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: %s}
        spec: {type: Shared, mountPath: /var/lib/vmha/repositories/%s}
        """
            .formatted(name, name));
  }

  Fleet template(String namespace, String name, int cpus, long memoryMiB) {
    return apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmTemplate
        metadata: {name: %s, namespace: %s}
        spec: {image: {repository: zos, path: images/%s.qcow2}, cpus: %d, memoryMiB: %d}
        """
            .formatted(name, namespace, name, cpus, memoryMiB));
  }

  /** A standalone VM on the shared repository zos. */
  Fleet standaloneVm(String namespace, String name, int cpus, long memoryMiB) {
    return apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: %s, namespace: %s}
        spec: {image: {repository: zos, path: images/%s.qcow2}, cpus: %d, memoryMiB: %d}
        """
            .formatted(name, namespace, name, cpus, memoryMiB));
  }

  Fleet apply(String yaml) {
    HasMetadata resource = Serialization.unmarshal(yaml);
    if (resource instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource generic) {
      String kind = generic.getKind();
      resource =
          switch (kind) {
            case "VmHost" -> Serialization.unmarshal(yaml, VmHost.class);
            case "StorageRepository" -> Serialization.unmarshal(yaml, StorageRepository.class);
            case "VmTemplate" -> Serialization.unmarshal(yaml, VmTemplate.class);
            case "VirtualMachine" -> Serialization.unmarshal(yaml, VirtualMachine.class);
            default -> resource;
          };
    }
    client.resource(resource).createOr(r -> r.update());
    return this;
  }

  VirtualMachine vm(String namespace, String name) {
    return client.resources(VirtualMachine.class).inNamespace(namespace).withName(name).get();
  }

  /** Changes a host's spec as kubectl edit would (patch of the latest version). */
  void editHost(String name, java.util.function.Consumer<io.vmha.api.VmHostSpec> change) {
    io.vmha.kube.Conflicts.retry(
        () ->
            client
                .resources(VmHost.class)
                .withName(name)
                .edit(
                    h -> {
                      change.accept(h.getSpec());
                      return h;
                    }));
  }

  VmHost vmHost(String name) {
    return client.resources(VmHost.class).withName(name).get();
  }

  VmTemplate template(String namespace, String name) {
    return client.resources(VmTemplate.class).inNamespace(namespace).withName(name).get();
  }

  List<Event> events(String namespace, String regarding) {
    return client.events().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getRegarding() != null && regarding.equals(e.getRegarding().getName()))
        .toList();
  }

  List<String> eventReasons(String namespace, String regarding) {
    return events(namespace, regarding).stream().map(Event::getReason).toList();
  }

  @Override
  public void close() {
    agents.close();
    operator.close();
  }
}
