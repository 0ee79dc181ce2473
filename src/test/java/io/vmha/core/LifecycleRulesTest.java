package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.Resources;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LifecycleRulesTest {

  private static FleetBuilder oneVm() {
    return fleet()
        .sharedRepository("zos")
        .host("vmhost1")
        .host("vmhost2")
        .template("default", "sles10template", t -> t.repository("zos").counter(1))
        .vm("default/sles", v -> v.template("sles10template").runsOn("vmhost1", "sles10template-1"))
        .spmLease("vmhost2", FleetBuilder.T0);
  }

  @Test
  void L1_runningFalseStopsTheInstanceThenTheVmIsStoppedAndTrueAgainPlacesItAnew() {
    FleetBuilder fleet = oneVm();
    fleet.vm("default/sles", v -> v.running(false));
    Plan stopping = fleet.plan();
    assertThat(stopping.actions(Action.StopInstance.class))
        .containsExactly(
            new Action.StopInstance(
                "vmhost1", "sles10template-1", "default/sles", StopReason.NotRunning));
    assertThat(stopping.actions(Action.UpdateVmPhase.class))
        .extracting(Action.UpdateVmPhase::phase)
        .containsExactly(VmPhase.Stopping);

    fleet.vm("default/sles", v -> v.phase(VmPhase.Stopping).notReported());
    assertThat(fleet.plan().actions()).containsExactly(new Action.StopVm("default/sles"));

    fleet.vm(
        "default/sles", v -> v.pending("sles10template-1").phase(VmPhase.Stopped).running(true));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::instanceName, Action.PlaceVm::cause)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("sles10template-2", PlaceCause.Initial));
  }

  @Test
  void L2_deletionStopsTheInstanceBeforeTheVmGoes() {
    FleetBuilder fleet = oneVm();
    fleet.vm("default/sles", v -> v.deleting());
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.StopInstance.class))
        .extracting(Action.StopInstance::reason)
        .containsExactly(StopReason.Deleted);
    assertThat(plan.actions(Action.RemoveVm.class)).isEmpty();

    fleet.vm("default/sles", v -> v.notReported());
    assertThat(fleet.plan().actions(Action.RemoveVm.class))
        .containsExactly(new Action.RemoveVm("default/sles"));
  }

  @Test
  void L2_deletionWaitsForALostHostUnlessItIsKnownFenced() {
    FleetBuilder fleet = oneVm().settings(Settings.defaults().withFencing(FencingPolicy.None));
    fleet.vm("default/sles", v -> v.deleting());
    fleet.host("vmhost1", h -> h.silentFor(Duration.ofSeconds(30)));
    assertThat(fleet.plan().actions())
        .singleElement()
        .isInstanceOfSatisfying(
            Action.LeaveAlone.class,
            a -> assertThat(a.reason()).isEqualTo(LeaveReason.DeletionWaitsForHost));

    fleet.settings(Settings.defaults()); // SelfFence: the lost host has stopped its VMs
    assertThat(fleet.plan().actions()).containsExactly(new Action.RemoveVm("default/sles"));
  }

  @Test
  void L3_deletingHostDrainsLikeMaintenanceAndGoesWhenEmpty() {
    FleetBuilder fleet = oneVm().host("vmhost1", h -> h.deleting());
    assertThat(fleet.plan().actions(Action.MigrateVm.class))
        .containsExactly(
            new Action.MigrateVm(
                "default/sles", "vmhost1", "vmhost2", MigrationCause.HostDeleting));
    assertThat(fleet.plan().actions(Action.RemoveHost.class)).isEmpty();

    fleet.vm("default/sles", v -> v.runsOn("vmhost2", "sles10template-1"));
    assertThat(fleet.plan().actions(Action.RemoveHost.class))
        .containsExactly(new Action.RemoveHost("vmhost1"));
  }

  @Test
  void badInput_missingTemplateRepositoryOrLocalHostKeepTheVmPendingWithAReason() {
    FleetBuilder fleet =
        fleet().sharedRepository("zos").localRepository("gone-disk", "gone").host("vmhost1");
    fleet.vm("default/a", v -> v.template("nope"));
    fleet.vm("default/b", v -> v.image("nope"));
    fleet.vm("default/c", v -> v.image("gone-disk"));
    fleet.vm("default/d", v -> v.image("zos").invalid("cpu override exceeds every host"));
    assertThat(fleet.plan().actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason, Action.KeepPending::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                PendingReason.TemplateNotFound, "template default/nope not found"),
            org.assertj.core.groups.Tuple.tuple(
                PendingReason.RepositoryNotFound, "storage repository nope not found"),
            org.assertj.core.groups.Tuple.tuple(
                PendingReason.LocalHostNotFound,
                "local repository gone-disk names host gone, which does not exist"),
            org.assertj.core.groups.Tuple.tuple(
                PendingReason.Invalid, "cpu override exceeds every host"));
  }

  @Test
  void orphanInstancesAreStoppedAndCountAgainstCapacityUntilGone() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host(
                "vmhost1",
                h ->
                    h.capacity(2000, 2048)
                        .runsUntracked(
                            "default/ghost",
                            "ghost",
                            InstanceState.Running,
                            Resources.of(2000, 2048)));
    fleet.vm("default/web", v -> v.image("zos").resources(1000, 1024));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.StopInstance.class))
        .containsExactly(
            new Action.StopInstance("vmhost1", "ghost", "default/ghost", StopReason.Orphan));
    assertThat(plan.actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactly(PendingReason.NoCapacity);
  }

  /** A domain vmha did not start (no VM metadata) is the admin's: counted, never stopped. */
  @Test
  void instancesVmhaDidNotStartCountAgainstCapacityButAreNeverStopped() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("zos")
            .host(
                "vmhost1",
                h ->
                    h.capacity(2000, 2048)
                        .runsUntracked(
                            "", "admins-own", InstanceState.Running, Resources.of(2000, 2048)));
    fleet.vm("default/web", v -> v.image("zos").resources(1000, 1024));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.StopInstance.class)).isEmpty();
    assertThat(plan.actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactly(PendingReason.NoCapacity);
  }
}
