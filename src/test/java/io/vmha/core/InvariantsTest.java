package io.vmha.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.health.InstanceKey;
import io.vmha.core.invariant.FleetFacts;
import io.vmha.core.invariant.InstanceNameHistory;
import io.vmha.core.invariant.InvariantChecker;
import io.vmha.core.invariant.Violation;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Resources;
import io.vmha.core.model.StaleInstance;
import io.vmha.core.model.VmPhase;
import io.vmha.core.model.VmStatusView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The invariant checker on hand-made facts, one case per check: each fails when its check is
 * removed. The fault-sequence properties and the demo feed it facts from whole fleets.
 */
class InvariantsTest {
  private static final Resources CAPACITY = Resources.of(4000, 8192);

  /** default/web is placed on b as tpl-2, and its earlier instance tpl-1 still runs on a. */
  private static final List<FleetFacts.Host> OLD_COPY_ON_A =
      List.of(
          host("a", running("default/web", "tpl-1")), host("b", running("default/web", "tpl-2")));

  private static final List<FleetFacts.Vm> WEB_ON_B = List.of(vm("default/web", on("b", "tpl-2")));

  @Test
  void aHealthyFleetBreaksNothing() {
    FleetFacts facts =
        new FleetFacts(
            FencingPolicy.SelfFence,
            List.of(
                host("a", running("default/web", "web"), running("", "not-vmha")),
                host("b", running("default/db", "tpl-1"))),
            List.of(vm("default/web", on("a", "web")), vm("default/db", on("b", "tpl-1"))),
            new FleetFacts.Spm("a", Set.of("a"), Set.of("a")),
            null);

    assertThat(InvariantChecker.check(facts, InstanceNameHistory.EMPTY).violations()).isEmpty();
    assertThat(InvariantChecker.checkSettled(facts))
        .as("an instance vmha did not start is not its to stop")
        .isEmpty();
  }

  @Test
  void I6_twoVmsWithARequiredAntiAffinityOnOneHostEitherWayRoundAndNotAcrossNamespaces() {
    var apartFromDb = List.of(io.vmha.core.model.LabelSelector.of(Map.of("app", "db")));
    var db0 =
        new FleetFacts.Vm(
            "prod/db-0", on("a", "db-0"), true, false, false, Map.of("app", "db"), apartFromDb);
    // no rule of its own: db-0's term selects it
    var db1 =
        new FleetFacts.Vm(
            "prod/db-1", on("a", "db-1"), true, false, false, Map.of("app", "db"), List.of());
    var otherNamespace =
        new FleetFacts.Vm(
            "test/db-0", on("a", "db-0"), true, false, false, Map.of("app", "db"), apartFromDb);
    List<FleetFacts.Host> hosts =
        List.of(
            host(
                "a",
                running("prod/db-0", "db-0"),
                running("prod/db-1", "db-1"),
                running("test/db-0", "db-0")));

    assertOnly(
        InvariantChecker.check(
                selfFence(hosts, List.of(db0, db1, otherNamespace)), InstanceNameHistory.EMPTY)
            .violations(),
        "I6",
        "prod/db-0",
        "a",
        "prod/db-0 and prod/db-1 both run on host a");

    List<FleetFacts.Host> apart =
        List.of(
            host(
                "a",
                running("prod/db-0", "db-0"),
                instance("prod/db-1", "db-1", InstanceState.Stopped)),
            host("b", running("prod/db-1", "db-1")));
    assertThat(
            InvariantChecker.check(selfFence(apart, List.of(db0, db1)), InstanceNameHistory.EMPTY)
                .violations())
        .as("a stopped instance is no company")
        .isEmpty();
  }

  @Test
  void I1_aVmRunningOnTwoHostsUnderSelfFence() {
    List<FleetFacts.Host> hosts = new ArrayList<>(OLD_COPY_ON_A);
    hosts.add(host("c", instance("default/web", "tpl-0", InstanceState.Failed)));

    assertOnly(
        check(selfFence(hosts, WEB_ON_B)),
        "I1",
        "default/web",
        null,
        "2 live instances, on [a, b]");
  }

  @Test
  void I1_aCopyTheOperatorHeardOfButDoesNotTrackUnderFencingNone() {
    FleetFacts facts =
        withoutFencing(
            OLD_COPY_ON_A, WEB_ON_B, new FleetFacts.OperatorKnowledge(Set.of("a", "b"), Map.of()));

    assertOnly(check(facts), "I1", "default/web", "a", "untracked copy tpl-1");
  }

  /** F4 with fencing None: a second copy is accepted while the operator tracks it. */
  @Test
  void I1_underFencingNoneTrackedCopiesAndCopiesNotYetReportedAreNoViolation() {
    VmStatusView recordedStale =
        status(VmPhase.Running, "c", "tpl-3", null, List.of(new StaleInstance("a", "tpl-1")));
    List<FleetFacts.Host> hosts =
        List.of(
            host("a", running("default/web", "tpl-1")),
            host("b", running("default/web", "tpl-2")),
            host("c", running("default/web", "tpl-3")),
            host("d", running("default/web", "tpl-0")));
    var stoppingOnB = Map.of("b", Set.of(new InstanceKey("default/web", "tpl-2")));
    FleetFacts facts =
        withoutFencing(
            hosts,
            List.of(vm("default/web", recordedStale)),
            new FleetFacts.OperatorKnowledge(Set.of("a", "b", "c"), stoppingOnB));

    assertThat(check(facts)).as("stale on a, stopping on b, current on c, d unheard").isEmpty();
    assertThat(check(withoutFencing(hosts, List.of(vm("default/web", recordedStale)), null)))
        .as("what the operator knew is not known")
        .isEmpty();
  }

  @Test
  void I3_aHostRunningMoreThanItsCapacityCountingInstancesNoVmClaims() {
    FleetFacts facts =
        selfFence(
            List.of(
                host(
                    "a",
                    running("default/web", "web", Resources.of(1500, 1024)),
                    running("", "not-vmha", Resources.of(1500, 1024)),
                    running("default/gone", "gone", Resources.of(1500, 1024)),
                    instance("default/db", "db", InstanceState.Failed))),
            List.of(vm("default/web", on("a", "web"))));

    assertOnly(check(facts), "I3", null, "a", "runs 4500m/3072Mi");
  }

  @Test
  void I4_twoHostsActingAsSpm() {
    FleetFacts facts = spm(new FleetFacts.Spm("a", Set.of("a"), Set.of("a", "b")));

    assertOnly(check(facts), "I4", null, null, "2 hosts act as SPM");
  }

  @Test
  void I4_twoHostsMarkedSpm() {
    FleetFacts facts = spm(new FleetFacts.Spm("a", Set.of("a", "b"), null));

    assertOnly(check(facts), "I4", null, null, "2 hosts are marked SPM");
  }

  @Test
  void I4_theSpmLeaseNamingAHostThatIsNotRegistered() {
    FleetFacts facts = spm(new FleetFacts.Spm("gone", Set.of(), null));

    assertOnly(check(facts), "I4", null, "gone", "names an unknown host gone");
  }

  @Test
  void I5_oneInstanceNameUsedByTwoVms() {
    InstanceNameHistory seen = names(vm("default/web", on("a", "tpl-1")));

    assertOnly(
        check(vm("default/db", on("b", "tpl-1")), seen),
        "I5",
        "default/db",
        null,
        "used by default/web and default/db");
    assertThat(check(vm("other/db", on("b", "tpl-1")), seen))
        .as("instance names are per namespace")
        .isEmpty();
  }

  @Test
  void I5_aTemplateCounterHandingOutANameAgainEvenToItsVm() {
    InstanceNameHistory seen = names(vm("default/web", on("a", "tpl-1")));
    FleetFacts.Vm handedOutAgain =
        new FleetFacts.Vm("default/web", on("b", "tpl-1"), true, false, true);

    assertOnly(check(handedOutAgain, seen), "I5", "default/web", null, "handed out again");
    assertThat(check(vm("default/web", on("b", "tpl-1")), seen))
        .as("F2: the VM keeps its name")
        .isEmpty();
  }

  @Test
  void I5_aVmTakingBackANameItLeft() {
    InstanceNameHistory seen =
        names(vm("default/web", on("a", "tpl-1")), vm("default/web", on("b", "tpl-2")));

    assertOnly(
        check(vm("default/web", on("a", "tpl-1")), seen),
        "I5",
        "default/web",
        null,
        "again after it had default/tpl-2");
  }

  @Test
  void I2_aVmThatShouldRunIsNeitherRunningNorWaitingForAReason() {
    FleetFacts facts =
        settled(
            vm("default/web", status(VmPhase.Pending, null, null, null, List.of())),
            vm("default/db", status(VmPhase.Starting, "a", "db", null, List.of())),
            vm("default/ok", waiting("NoCapacity")));

    assertThat(InvariantChecker.checkSettled(facts))
        .satisfiesExactlyInAnyOrder(
            v -> assertViolation(v, "I2", "default/web", null),
            v -> assertViolation(v, "I2", "default/db", null));
  }

  @Test
  void L1_aVmSetNotToRunThatIsNotStopped() {
    assertSettledVmBreaks(
        "L1", new FleetFacts.Vm("default/web", waiting("NoCapacity"), false, false, false));
  }

  @Test
  void L2_aDeletedVmThatNeverWent() {
    assertSettledVmBreaks(
        "L2", new FleetFacts.Vm("default/web", waiting("NoCapacity"), true, true, false));
  }

  @Test
  void L2_anInstanceLeftThatNoVmClaims() {
    FleetFacts facts =
        new FleetFacts(
            FencingPolicy.SelfFence,
            List.of(
                host("a", running("default/web", "web")),
                new FleetFacts.Host(
                    "removed",
                    null,
                    List.of(instance("default/gone", "gone", InstanceState.Failed))),
                host("b", running("default/web", "web-old"))),
            List.of(vm("default/web", on("a", "web"))),
            new FleetFacts.Spm(null, Set.of(), Set.of()),
            null);

    assertThat(InvariantChecker.checkSettled(facts))
        .satisfiesExactlyInAnyOrder(
            v -> assertViolation(v, "L2", "default/gone", "removed"),
            v -> assertViolation(v, "L2", "default/web", "b"));
  }

  // ---- facts
  // --------------------------------------------------------------------------------------

  private static List<Violation> check(FleetFacts facts) {
    return InvariantChecker.check(facts, InstanceNameHistory.EMPTY).violations();
  }

  private static List<Violation> check(FleetFacts.Vm vm, InstanceNameHistory seen) {
    return InvariantChecker.check(selfFence(List.of(), List.of(vm)), seen).violations();
  }

  /** The history after checking a fleet of one VM as it was at each step. */
  private static InstanceNameHistory names(FleetFacts.Vm... steps) {
    InstanceNameHistory names = InstanceNameHistory.EMPTY;
    for (FleetFacts.Vm step : steps) {
      var verdict = InvariantChecker.check(selfFence(List.of(), List.of(step)), names);
      assertThat(verdict.violations()).isEmpty();
      names = verdict.names();
    }
    return names;
  }

  private static FleetFacts selfFence(List<FleetFacts.Host> hosts, List<FleetFacts.Vm> vms) {
    return new FleetFacts(
        FencingPolicy.SelfFence, hosts, vms, new FleetFacts.Spm(null, Set.of(), Set.of()), null);
  }

  private static FleetFacts withoutFencing(
      List<FleetFacts.Host> hosts, List<FleetFacts.Vm> vms, FleetFacts.OperatorKnowledge operator) {
    return new FleetFacts(
        FencingPolicy.None, hosts, vms, new FleetFacts.Spm(null, Set.of(), Set.of()), operator);
  }

  private static FleetFacts spm(FleetFacts.Spm spm) {
    return new FleetFacts(
        FencingPolicy.SelfFence, List.of(host("a"), host("b")), List.of(), spm, null);
  }

  private static FleetFacts settled(FleetFacts.Vm... vms) {
    return selfFence(List.of(host("a")), List.of(vms));
  }

  private static FleetFacts.Host host(String name, InstanceReport... instances) {
    return new FleetFacts.Host(name, CAPACITY, List.of(instances));
  }

  private static InstanceReport running(String vm, String name) {
    return running(vm, name, Resources.of(1000, 1024));
  }

  private static InstanceReport running(String vm, String name, Resources resources) {
    return new InstanceReport(name, vm, InstanceState.Running, resources, null);
  }

  private static InstanceReport instance(String vm, String name, InstanceState state) {
    return new InstanceReport(name, vm, state, Resources.of(1000, 1024), null);
  }

  private static FleetFacts.Vm vm(String key, VmStatusView status) {
    return new FleetFacts.Vm(key, status, true, false, false);
  }

  private static VmStatusView on(String host, String instanceName) {
    return status(VmPhase.Running, host, instanceName, null, List.of());
  }

  private static VmStatusView waiting(String reason) {
    return new VmStatusView(
        VmPhase.Pending, null, null, null, List.of(), List.of(), null, 0, reason, null, null);
  }

  private static VmStatusView status(
      VmPhase phase,
      String host,
      String instanceName,
      String migrationTarget,
      List<StaleInstance> stale) {
    return new VmStatusView(
        phase, host, instanceName, migrationTarget, stale, List.of(), null, 0, null, null, null);
  }

  /** Settled, a fleet of this one VM breaks {@code invariant} and nothing else. */
  private static void assertSettledVmBreaks(String invariant, FleetFacts.Vm vm) {
    assertOnly(InvariantChecker.checkSettled(settled(vm)), invariant, vm.key(), null, vm.key());
  }

  /** {@code found} is one violation: of {@code invariant}, about this VM and host, saying this. */
  private static void assertOnly(
      List<Violation> found, String invariant, String vm, String host, String saying) {
    assertThat(found)
        .singleElement()
        .satisfies(v -> assertViolation(v, invariant, vm, host))
        .satisfies(v -> assertThat(v.message()).contains(saying));
  }

  private static void assertViolation(Violation v, String invariant, String vm, String host) {
    assertThat(v.invariant()).as("invariant of " + v).isEqualTo(invariant);
    assertThat(v.vm()).as("VM of " + v).isEqualTo(vm);
    assertThat(v.host()).as("host of " + v).isEqualTo(host);
  }
}
