package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.VirtualMachine;
import java.util.List;
import java.util.Map;

/**
 * Two web servers that must never share a host (required VM anti-affinity, A1). A second one is
 * created beside {@code web} and lands on another host; its host is then drained while the only
 * other host with room runs {@code web}: the drain leaves it where it is and says why, on the VM
 * and on the host, until an administrator uncordons a host it may go to. The demo's invariant
 * monitor checks I6 throughout.
 */
final class AntiAffinityScenario extends Scenario {
  static final String SECOND = "web-2";

  private static final String MANIFEST =
      """
      apiVersion: vmha.io/v1alpha1
      kind: VirtualMachine
      metadata:
        name: web-2
        labels: {app: web}
      spec:
        templateRef: {name: sles10template}
        affinity:
          vmAntiAffinity:
            requiredDuringScheduling:
              - labelSelector: {matchLabels: {app: web}}
      """;

  private final KubernetesClient client;

  AntiAffinityScenario(Steps steps, KubernetesClient client) {
    super("Anti-affinity keeps two web servers apart, even through a drain", "A1, H4", steps);
    this.client = client;
  }

  @Override
  void play() {
    String webHost = fleet.vm("web").getStatus().getHost();
    List<String> others =
        hosts.hosts().stream()
            .filter(h -> !h.equals(webHost) && !h.equals("arctic"))
            .sorted((a, b) -> Boolean.compare(a.equals("pacific"), b.equals("pacific")))
            .toList();
    String drained = others.get(0);
    String spare = others.get(1);
    steps.patchVm(
        "web",
        "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}",
        vm -> vm.getMetadata().setLabels(Map.of("app", "web")));
    hosts.hosts().stream().filter(h -> !h.equals(drained)).forEach(h -> steps.cordon(h, true));
    create();
    steps.expect(
        SECOND + " runs on " + drained + ", apart from web on " + webHost,
        steps.detection(),
        () -> running(SECOND) && drained.equals(fleet.vm(SECOND).getStatus().getHost()));

    steps.cordon(webHost, false);
    steps.maintenance(drained, true);
    String conflict = "would break anti-affinity with " + DemoFleet.NAMESPACE + "/web";
    steps.expect(
        "the drain leaves " + SECOND + " on " + drained + " and says why, on the VM and the host",
        steps.detection(),
        () ->
            drained.equals(fleet.vm(SECOND).getStatus().getHost())
                && message(fleet.vm(SECOND)).contains(conflict)
                && drainedCondition(drained).contains(SECOND)
                && drainedCondition(drained).contains(conflict));
    steps.check(SECOND + ": " + message(fleet.vm(SECOND)));

    steps.cordon(spare, false);
    steps.expect(
        drained + " is in Maintenance: " + SECOND + " moved to " + spare + ", not to " + webHost,
        steps.detection().multipliedBy(2),
        () ->
            "Maintenance".equals(fleet.hostPhase(drained))
                && spare.equals(fleet.vm(SECOND).getStatus().getHost())
                && running(SECOND));

    steps.maintenance(drained, false);
    hosts.hosts().forEach(h -> steps.cordon(h, false));
    delete();
    steps.expect(SECOND + " is gone", steps.detection(), () -> fleet.vm(SECOND) == null);
    steps.patchVm(
        "web",
        "{\"metadata\":{\"labels\":{\"app\":null}}}",
        vm -> vm.getMetadata().getLabels().remove("app"));
    steps.settle();
  }

  private boolean running(String name) {
    VirtualMachine vm = fleet.vm(name);
    return vm != null && "Running".equals(FleetView.phase(vm));
  }

  private static String message(VirtualMachine vm) {
    return vm == null || vm.getStatus() == null || vm.getStatus().getMessage() == null
        ? ""
        : vm.getStatus().getMessage();
  }

  private String drainedCondition(String host) {
    var drained = FleetView.condition(fleet.host(host), "Drained");
    return drained == null || drained.getMessage() == null ? "" : drained.getMessage();
  }

  private void create() {
    timeline.note(
        "kubectl -n " + DemoFleet.NAMESPACE + " apply -f - <<EOF\n" + MANIFEST.strip() + "\nEOF");
    VirtualMachine vm =
        client.getKubernetesSerialization().unmarshal(MANIFEST, VirtualMachine.class);
    vm.getMetadata().setNamespace(DemoFleet.NAMESPACE);
    client.resource(vm).create();
  }

  private void delete() {
    timeline.note("kubectl -n " + DemoFleet.NAMESPACE + " delete vm " + SECOND);
    client
        .resources(VirtualMachine.class)
        .inNamespace(DemoFleet.NAMESPACE)
        .withName(SECOND)
        .delete();
  }
}
