package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.api.StorageErrorPolicy;
import java.util.List;

/**
 * A VM whose storage-error policy is Kill, on a host that loses its storage and from which it
 * cannot be moved live (QEMU cannot hand over a disk it cannot flush; the other simulated hosts are
 * told to refuse migrations): once it has stayed paused for a host grace period and the operator
 * has given up moving it, its agent stops it and the operator restarts it on a host that reaches
 * the storage. Its neighbours, AutoResume, wait paused and resume when the storage is back.
 */
final class StorageErrorKillScenario extends Scenario {
  StorageErrorKillScenario(Steps steps) {
    super(
        "A VM paused by a storage error is restarted elsewhere (storageErrorPolicy: Kill)",
        "S1",
        steps);
  }

  @Override
  void play() {
    String spm = fleet.spmHolder();
    String host = fleet.busiestHost(h -> !h.equals(spm) && !h.equals("arctic"));
    String name = fleet.sharedVmsOn(host).get(0);
    String instance = fleet.vm(name).getStatus().getInstanceName();
    steps.storageErrorPolicy(name, StorageErrorPolicy.Kill);
    // arctic takes only monitor, never this VM
    List<String> others =
        hosts.hosts().stream().filter(h -> !h.equals(host) && !h.equals("arctic")).toList();
    boolean simulated = hosts.guestsLeaveFailedStorage();
    if (simulated) {
      // simulated guests would leave live: the other hosts refuse them, as QEMU cannot hand over
      // a disk it cannot flush
      others.forEach(h -> steps.fault(h, Fault.MIGRATION_FAILURE));
    }
    steps.fault(host, Fault.STORAGE_DOWN);
    steps.expectNonOperational(host);
    double lost = timeline.elapsedSeconds();
    steps.expect(
        name + " is stopped on " + host + " and runs on another host",
        steps.detection().plus(settings.hostGracePeriod()),
        () ->
            fleet.runsOffHost(name, host)
                && hosts.instancesOn(host).stream().noneMatch(i -> i.name().equals(instance)));
    steps.check(
        name
            + " ran again on "
            + fleet.vm(name).getStatus().getHost()
            + " as "
            + fleet.vm(name).getStatus().getInstanceName()
            + ", "
            + String.format("%.1f", timeline.elapsedSeconds() - lost)
            + " s after "
            + host
            + " was NonOperational (Kill waits a grace period of "
            + Steps.seconds(settings.hostGracePeriod())
            + ", and for the operator to give up moving it live)");
    steps.heal(host);
    if (simulated) {
      others.forEach(steps::heal);
    }
    steps.storageErrorPolicy(name, null);
    steps.settle();
  }
}
