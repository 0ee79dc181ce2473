package io.vmha.bench;

import io.vmha.agent.Instance;
import io.vmha.api.VirtualMachine;
import io.vmha.core.Settings;
import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.operator.VmStatusViews;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every scenario checks at its end: the fleet runs, once, and nothing is where it must not be.
 */
final class FleetCorrectness {
  private final BenchRig rig;
  private final Settings settings;
  private final BenchResult result;
  private final BenchLog log;

  FleetCorrectness(BenchRig rig, Settings settings, BenchResult result, BenchLog log) {
    this.rig = rig;
    this.settings = settings;
    this.result = result;
    this.log = log;
  }

  /**
   * Correctness, not timing: the CI smoke test asserts these. {@code crashed} hosts must carry no
   * VM and no instance; {@code victims} that came from a template must have a new instance name.
   */
  void verify(List<String> crashed, Map<String, FleetWatch.Victim> victims) {
    List<String> violations = result.violations;
    List<VirtualMachine> vms =
        rig.benchClient
            .resources(VirtualMachine.class)
            .inNamespace(BenchFleet.NAMESPACE)
            .list()
            .getItems();
    Map<String, List<Instance>> instancesByHost = rig.datacenter.instancesByHost();
    for (VirtualMachine vm : vms) {
      var status = vm.getStatus();
      String name = vm.getMetadata().getName();
      if (status == null || !"Running".equals(status.getPhase())) {
        violations.add(name + " is " + (status == null ? "without status" : status.getPhase()));
        continue;
      }
      if (crashed.contains(status.getHost())) {
        violations.add(name + " is still placed on crashed host " + status.getHost());
      }
      FleetWatch.Victim v = victims.get(name);
      boolean fromTemplate =
          vm.getSpec().getTemplateRef() != null; // a standalone VM's instance keeps its name
      if (v != null
          && fromTemplate
          && v.oldInstance != null
          && v.oldInstance.equals(status.getInstanceName())) {
        violations.add(name + " kept its instance name " + v.oldInstance + " after failover");
      }
    }
    for (var entry : instancesByHost.entrySet()) {
      if (crashed.contains(entry.getKey()) && !entry.getValue().isEmpty()) {
        violations.add(
            "crashed host " + entry.getKey() + " has instances " + entry.getValue().size());
      }
    }
    // one live copy per VM (I1) and no instance name used twice (I5), as the core judges them
    InvariantChecker.check(facts(vms, instancesByHost), InstanceNameHistory.EMPTY)
        .violations()
        .forEach(found -> violations.add(found.toString()));
    log.accept(
        violations.isEmpty()
            ? "correct: every VM Running, none on a crashed host, instance names unique"
            : "VIOLATIONS: "
                + (violations.size() > 20 ? violations.subList(0, 20) + " ..." : violations));
  }

  /**
   * What the simulated hypervisors hold and what the API records of the VMs. Capacities, the SPM
   * and what the operator knew are not read: the benchmark checks I1 and I5 only.
   */
  private FleetFacts facts(List<VirtualMachine> vms, Map<String, List<Instance>> instancesByHost) {
    List<FleetFacts.Host> hosts = new ArrayList<>();
    instancesByHost.forEach(
        (host, instances) ->
            hosts.add(
                new FleetFacts.Host(
                    host, null, instances.stream().map(Instance::report).toList())));
    List<FleetFacts.Vm> recorded = new ArrayList<>();
    for (VirtualMachine vm : vms) {
      recorded.add(
          new FleetFacts.Vm(
              vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName(),
              VmStatusViews.of(vm.getStatus()),
              !Boolean.FALSE.equals(vm.getSpec().getRunning()),
              vm.getMetadata().getDeletionTimestamp() != null,
              false));
    }
    return new FleetFacts(
        settings.fencing(), hosts, recorded, new FleetFacts.Spm(null, Set.of(), null), null);
  }
}
