package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.PlacementPolicy;
import io.vmha.core.model.Priority;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementRulesTest {

  @Test
  void P1_onlyUpSchedulableHostsThatReachTheRepositoryMatchTheSelectorAndHaveRoomQualify() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("nfs")
            .host("a-lost", h -> h.silentFor(Duration.ofSeconds(30)))
            .host("b-cordoned", h -> h.cordoned())
            .host("c-no-nfs", h -> h.cannotReach("nfs").label("zone", "east"))
            .host("d-west", h -> h.label("zone", "west"))
            .host("e-small", h -> h.label("zone", "east").capacity(500, 512))
            .host("f-fenced", h -> h.label("zone", "east").fencingRequested(true))
            .host("g-good", h -> h.label("zone", "east"));
    fleet.vm(
        "default/web",
        v -> v.image("nfs").resources(1000, 1024).hostSelector(Map.of("zone", "east")));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::host)
        .containsExactly("g-good");
  }

  @Test
  void P2_leastAllocatedSpreadsWithTiesBrokenByNameAndBinPackingFills() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b").host("c");
    fleet.vm("default/busy", v -> v.image("nfs").resources(4000, 8192).runsOn("a", "busy"));
    fleet.vm("default/new1", v -> v.image("nfs").resources(1000, 1024));
    fleet.vm("default/new2", v -> v.image("nfs").resources(1000, 1024));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::host)
        .containsExactly("b", "c");

    fleet.settings(Settings.defaults().withPlacementPolicy(PlacementPolicy.BinPacking));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::host)
        .containsExactly("a", "a");
  }

  @Test
  void P3_whenNothingFitsTheVmStaysPendingWithAReasonNamingWhatIsMissing() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("nfs")
            .host("h1", h -> h.capacity(1000, 1024))
            .host("h2", h -> h.capacity(1000, 1024))
            .host("h3", h -> h.capacity(1000, 1024))
            .host("h4", h -> h.cannotReach("nfs"))
            .host("h5", h -> h.cannotReach("nfs"))
            .spmLease("h1", fleet().now());
    fleet.vm("default/big", v -> v.image("nfs").resources(500, 4096));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.KeepPending.class))
        .containsExactly(
            new Action.KeepPending(
                "default/big",
                PendingReason.NoCapacity,
                "0/5 hosts available: 3 insufficient memory, 2 cannot reach repository nfs"));

    fleet.vm(
        "default/big",
        v ->
            v.pending(null)
                .reasonRecorded(
                    "NoCapacity",
                    "0/5 hosts available: 3 insufficient memory, 2 cannot reach repository nfs"));
    assertThat(fleet.plan().actions()).as("nothing changed, nothing to write").isEmpty();

    fleet.host("h4", h -> h.unreachable.clear());
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::host)
        .containsExactly("h4");
  }

  @Test
  void P3_selectorAndRepositoryReasons() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("nfs")
            .host("h1", h -> h.cannotReach("nfs"))
            .host("h2", h -> h.label("gpu", "yes").cannotReach("nfs"));
    fleet.vm("default/a", v -> v.image("nfs").hostSelector(Map.of("gpu", "no")));
    fleet.vm("default/b", v -> v.image("nfs").hostSelector(Map.of("gpu", "yes")));
    fleet.vm("default/c", v -> v.image("missing-repo"));
    assertThat(fleet.plan().actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactlyInAnyOrder(
            PendingReason.NoHostMatchesSelector,
            PendingReason.RepositoryUnreachable,
            PendingReason.RepositoryNotFound);
  }

  @Test
  void P4_capacityIsTakenByHighAvailabilityAndHigherPriorityFirst() {
    FleetBuilder fleet =
        fleet().sharedRepository("nfs").host("lost").host("spare", h -> h.capacity(2000, 2048));
    fleet.vm(
        "default/a-low",
        v -> v.image("nfs").resources(1000, 1024).priority(Priority.Low).runsOn("lost", "a-low"));
    fleet.vm(
        "default/b-new-nonha",
        v -> v.image("nfs").resources(1000, 1024).ha(false).priority(Priority.High));
    fleet.vm(
        "default/c-high",
        v -> v.image("nfs").resources(1000, 1024).priority(Priority.High).runsOn("lost", "c-high"));
    fleet.vm(
        "default/d-medium",
        v ->
            v.image("nfs")
                .resources(1000, 1024)
                .priority(Priority.Medium)
                .runsOn("lost", "d-medium"));
    fleet.host("lost", h -> h.silentFor(Duration.ofSeconds(30)));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .containsExactly("default/c-high", "default/d-medium");
    assertThat(plan.actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::vm)
        .containsExactly("default/a-low", "default/b-new-nonha");
  }

  @Test
  void P5_newVmIsNotPlacedIfTheHaVmsOfAnyReservedHostCouldNoLongerBeReplaced() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("nfs")
            .settings(Settings.defaults().withReserveHosts(1))
            .host("a", h -> h.capacity(4000, 4096))
            .host("b", h -> h.capacity(4000, 4096))
            .host("c", h -> h.capacity(4000, 4096));
    fleet.vm("default/ha1", v -> v.image("nfs").resources(1000, 3072).runsOn("a", "ha1"));
    fleet.vm("default/ha2", v -> v.image("nfs").resources(1000, 3072).runsOn("b", "ha2"));
    fleet.vm("default/new", v -> v.image("nfs").resources(1000, 1024));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::host)
        .containsExactly("c");

    fleet.vm("default/new", v -> v.resources(1000, 3072));
    assertThat(fleet.plan().actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactly(PendingReason.FailoverCapacityReserved);
  }

  /**
   * A new leader that has not yet seen its hosts renew places nothing, and leaves the VMs it never
   * wrote unwritten: the next renewal places them, so a Pending status would be one write per VM
   * for nothing (a created fleet of 5,000 VMs paid 5,000 writes and their Events for it).
   */
  @Test
  void P6_aNewVmWaitsUnwrittenWhileTheHostsAreNotYetSeenRenewing() {
    FleetBuilder fleet =
        fleet()
            .sharedRepository("nfs")
            .host("a", h -> h.notSeenRenewing())
            .host("b", h -> h.notSeenRenewing());
    fleet.vm("default/new", v -> v.image("nfs"));
    fleet.vm("default/was-pending", v -> v.image("nfs").phase(io.vmha.core.model.VmPhase.Pending));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::vm)
        .containsExactly("default/was-pending");

    fleet.host("a", h -> h.notSeenRenewing = false);
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .contains("default/new");
  }

  @Test
  void P6_withNoHostAwaitingRenewalANewVmThatFindsNoHostIsWrittenPending() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a", h -> h.capacity(1000, 1024));
    fleet.vm("default/big", v -> v.image("nfs").resources(2000, 4096));
    assertThat(fleet.plan().actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactly(PendingReason.NoCapacity);
  }

  /**
   * A plan places at most its budget, highest priority first; the others get no action (no write)
   * and the plan asks to be followed at once.
   */
  @Test
  void P7_aPlanPlacesAtMostItsBudgetHighestPriorityFirstAndAsksForTheNextPlanAtOnce() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b");
    fleet.vm("default/a-low", v -> v.image("nfs").priority(Priority.Low));
    fleet.vm("default/b-high", v -> v.image("nfs").priority(Priority.High));
    fleet.vm("default/c-medium", v -> v.image("nfs").priority(Priority.Medium));
    fleet.vm("default/d-high", v -> v.image("nfs").priority(Priority.High));
    Plan plan = new Engine(2).plan(fleet.snapshot());

    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm)
        .containsExactly("default/b-high", "default/d-high");
    assertThat(plan.actions())
        .filteredOn(a -> a instanceof Action.VmStatusAction s && s.vm().endsWith("low"))
        .isEmpty();
    assertThat(plan.nextDeadline()).contains(fleet.snapshot().now().plusMillis(1));
    assertThat(new Engine(4).plan(fleet.snapshot()).actions(Action.PlaceVm.class)).hasSize(4);
  }
}
