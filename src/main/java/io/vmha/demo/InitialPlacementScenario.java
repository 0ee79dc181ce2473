package io.vmha.demo;

/** The example fleet is placed: every VM runs, and one host holds the SPM role. */
final class InitialPlacementScenario extends Scenario {
  InitialPlacementScenario(Steps steps) {
    super("The example fleet is placed", "P1, P2, S3", steps);
  }

  @Override
  void play() {
    steps.expect(
        "every VM is Running",
        steps.detection(),
        () -> fleet.allVms().stream().allMatch(vm -> "Running".equals(FleetView.phase(vm))));
    steps.expect("one host holds the SPM role", steps.detection(), () -> fleet.spmHolder() != null);
    steps.check("SPM: " + fleet.spmHolder());
    fleet
        .allVms()
        .forEach(
            vm ->
                steps.check(
                    vm.getMetadata().getName()
                        + " runs as "
                        + vm.getStatus().getInstanceName()
                        + " on "
                        + vm.getStatus().getHost()));
  }
}
