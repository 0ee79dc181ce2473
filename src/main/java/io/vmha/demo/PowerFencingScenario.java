package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.sim.Fault;
import io.vmha.api.PowerManagement;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import io.vmha.kube.BmcSecrets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * PF1-PF3: a host with a BMC that is cut off from the API server (its guests still run) is judged
 * lost after the power-fenced grace period, powered off through its BMC, and its VMs restart as
 * soon as the BMC confirms: sooner than the self-fence deadline, and never while the old copies
 * could still run (the invariant monitor checks I1 throughout).
 */
final class PowerFencingScenario extends Scenario {
  private final KubernetesClient client;

  PowerFencingScenario(Steps steps, KubernetesClient client) {
    super(
        "A host with a BMC is cut off: powered off, its VMs restart before the self-fence deadline",
        "PF1, PF2, PF3",
        steps);
    this.client = client;
  }

  @Override
  Optional<String> cannotPlay() {
    return needs(Fault.ISOLATED)
        .or(
            () ->
                hosts.bmc(hosts.hosts().get(0)).isPresent()
                    ? Optional.empty()
                    : Optional.of(hosts.noBmc()));
  }

  @Override
  void play() {
    String cut = fleet.vm("web").getStatus().getHost();
    List<String> moving = fleet.movableVmsOn(cut);
    DemoHosts.Bmc bmc = hosts.bmc(cut).orElseThrow();
    String secret = "bmc-" + cut;
    timeline.note(
        "kubectl -n "
            + VmhaApi.SYSTEM_NAMESPACE
            + " create secret generic "
            + secret
            + " --from-literal=username="
            + bmc.username()
            + " --from-literal=password=…");
    client
        .secrets()
        .inNamespace(VmhaApi.SYSTEM_NAMESPACE)
        .resource(BmcSecrets.of(VmhaApi.SYSTEM_NAMESPACE, secret, bmc.username(), bmc.password()))
        .createOr(existing -> existing.update());
    steps.powerManagement(
        cut, PowerManagement.redfish(bmc.endpoint(), bmc.systemId(), secret, bmc.caPem()));

    Duration grace = settings.powerFencedGracePeriod();
    steps.fault(cut, Fault.ISOLATED);
    steps.expect(
        cut + " is powered off through its BMC (FencedByPower)",
        steps.detection(),
        () -> "True".equals(status(cut, "PowerFenced")));
    for (String name : moving) {
      steps.expect(
          name + " runs on another host", steps.detection(), () -> fleet.runsOffHost(name, cut));
    }
    double seconds = timeline.elapsedSeconds();
    steps.expectThat(
        moving.size()
            + " VM(s) of "
            + cut
            + " re-placed "
            + String.format("%.1f", seconds)
            + " s after it was cut off: judged lost after "
            + Steps.seconds(grace)
            + ", before the self-fence deadline of "
            + Steps.seconds(settings.hostGracePeriod()),
        seconds < settings.hostGracePeriod().toMillis() / 1000.0);
    steps.powerManagement(cut, null);
    steps.heal(cut);
    steps.settle();
  }

  private String status(String host, String type) {
    VmHost current = fleet.host(host);
    var condition = FleetView.condition(current, type);
    return condition == null ? null : condition.getStatus();
  }
}
