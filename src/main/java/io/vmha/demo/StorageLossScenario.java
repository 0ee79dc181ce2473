package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import java.util.List;
import java.util.Map;

/**
 * A host that does not hold the SPM role loses its storage: it goes NonOperational and its VMs on
 * shared storage live-migrate away, keeping their instances.
 */
final class StorageLossScenario extends Scenario {
  StorageLossScenario(Steps steps) {
    super(
        "A non-SPM host loses storage: pause, then live migration by priority",
        "S1, P4, H4",
        steps);
  }

  @Override
  void play() {
    String spm = fleet.spmHolder();
    String host = fleet.busiestHost(h -> !h.equals(spm) && !h.equals("arctic"));
    List<String> moving = fleet.sharedVmsOn(host);
    Map<String, Integer> migrations = fleet.migrationCounts();
    Map<String, String> instances = fleet.instancesOf(moving);
    steps.fault(host, Fault.STORAGE_DOWN);
    steps.expectNonOperational(host);
    if (!hosts.guestsLeaveFailedStorage()) {
      steps.rideOutStorageLossInPlace(host, instances);
      return;
    }
    for (String name : moving) {
      String instance = fleet.vm(name).getStatus().getInstanceName();
      steps.expect(
          name + " live-migrated off " + host + ", same instance",
          steps.detection(),
          () -> {
            var status = fleet.vm(name).getStatus();
            return "Running".equals(status.getPhase())
                && !host.equals(status.getHost())
                && instance.equals(status.getInstanceName())
                && FleetView.count(status.getMigrationCount()) > migrations.getOrDefault(name, 0);
          });
    }
    steps.heal(host);
    steps.settle();
  }
}
