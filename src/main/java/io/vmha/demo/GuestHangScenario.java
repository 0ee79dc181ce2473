package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.api.Condition;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmMonitoring;

/**
 * VM monitoring (M1): the guest of {@code monitor} hangs on a healthy host (its guest agent stops
 * answering; the hypervisor still runs it). Its agent resets it in place once the guest agent has
 * been silent for the failure interval: same host, same instance, a Warning Event, and the guest
 * answers again. The monitoring is given seconds instead of the examples' minutes for the demo.
 */
final class GuestHangScenario extends Scenario {
  static final String VM = "monitor";
  static final String GUEST_HANG = "guest-hang";

  GuestHangScenario(Steps steps) {
    super("A hung guest on a healthy host is reset in place (VM monitoring)", "M1", steps);
  }

  @Override
  java.util.Optional<String> cannotPlay() {
    return hosts.cannotHangGuests();
  }

  @Override
  void play() {
    VirtualMachine before = fleet.vm(VM);
    int resetsBefore = resets(before);
    VmMonitoring original = before.getSpec().getMonitoring();
    steps.monitoring(VM, new VmMonitoring(true, "3s", "2s", 3, "10m"));
    steps.annotateVm(VM, Fault.ANNOTATION, GUEST_HANG);
    steps.expect(
        VM + "'s guest agent is silent (GuestReady False)",
        steps.detection(),
        () -> "False".equals(guestReady(fleet.vm(VM))));
    // the instance that hung: the one to be reset (the host may have replaced an earlier one
    // while it settled after the scenario before)
    String host = fleet.vm(VM).getStatus().getHost();
    String instance = fleet.vm(VM).getStatus().getInstanceName();
    // the guest stays hung until it is reset; without the annotation it boots fine afterwards
    steps.annotateVm(VM, Fault.ANNOTATION, null);
    steps.expect(
        VM + " is reset in place: host " + host + ", instance " + instance,
        steps.detection().multipliedBy(2),
        () -> {
          VirtualMachine vm = fleet.vm(VM);
          return resets(vm) > resetsBefore
              && host.equals(vm.getStatus().getHost())
              && instance.equals(vm.getStatus().getInstanceName())
              && "Running".equals(FleetView.phase(vm));
        });
    steps.expect(
        "a GuestReset Event tells of it",
        steps.detection(),
        () -> steps.vmEvents(VM, "GuestReset") > 0);
    steps.expect(
        VM + "'s guest answers again (no GuestReady False)",
        steps.detection(),
        () -> !"False".equals(guestReady(fleet.vm(VM))));
    steps.check(
        VM
            + " reset "
            + (resets(fleet.vm(VM)) - resetsBefore)
            + " time(s), status.lastGuestResetTime "
            + fleet.vm(VM).getStatus().getLastGuestResetTime());
    steps.monitoring(VM, original);
    steps.settle();
  }

  private static int resets(VirtualMachine vm) {
    Integer count = vm.getStatus() == null ? null : vm.getStatus().getGuestResetCount();
    return count == null ? 0 : count;
  }

  private static String guestReady(VirtualMachine vm) {
    Condition ready = FleetView.condition(vm, "GuestReady");
    return ready == null ? null : ready.getStatus();
  }
}
