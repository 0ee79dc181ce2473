package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.health.ConditionStatus;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.VmAffinity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A1: VM affinity and anti-affinity, required and preferred. */
class AffinityRulesTest {
  private static final Duration LONG_SILENCE = Duration.ofMinutes(5);
  private static final Map<String, String> DB = Map.of("app", "db");

  static VmAffinity apartFrom(Map<String, String> labels) {
    return new VmAffinity(List.of(), List.of(), List.of(LabelSelector.of(labels)), List.of());
  }

  static VmAffinity with(Map<String, String> labels) {
    return new VmAffinity(List.of(LabelSelector.of(labels)), List.of(), List.of(), List.of());
  }

  static VmAffinity prefers(int weight, Map<String, String> labels) {
    return new VmAffinity(
        List.of(),
        List.of(new VmAffinity.Weighted(weight, LabelSelector.of(labels))),
        List.of(),
        List.of());
  }

  static VmAffinity prefersApartFrom(int weight, Map<String, String> labels) {
    return new VmAffinity(
        List.of(),
        List.of(),
        List.of(),
        List.of(new VmAffinity.Weighted(weight, LabelSelector.of(labels))));
  }

  private static FleetBuilder threeHosts() {
    return fleet().sharedRepository("nfs").host("a").host("b").host("c");
  }

  /** balance alone would choose b for a VM leaving a */
  private static FleetBuilder dbsOnAAndBWithAFullerC() {
    FleetBuilder fleet = threeHosts();
    fleet.host("c", h -> h.capacity(3000, 3072));
    fleet.vm(
        "prod/db-0", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("a", "db-0"));
    fleet.vm(
        "prod/db-1", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("b", "db-1"));
    return fleet;
  }

  private static void db(FleetBuilder fleet, String name) {
    fleet.vm("prod/" + name, v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)));
  }

  @Test
  void A1_requiredAntiAffinityPlacesAGroupOnDistinctHostsAndKeepsTheOneTooManyPending() {
    FleetBuilder fleet = threeHosts().spmLease("a", fleet().now());
    for (String name : List.of("db-0", "db-1", "db-2", "db-3")) {
      db(fleet, name);
    }
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm, Action.PlaceVm::host)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("prod/db-0", "a"),
            org.assertj.core.groups.Tuple.tuple("prod/db-1", "b"),
            org.assertj.core.groups.Tuple.tuple("prod/db-2", "c"));
    assertThat(plan.actions(Action.KeepPending.class))
        .containsExactly(
            new Action.KeepPending(
                "prod/db-3",
                PendingReason.AffinityConflict,
                "0/3 hosts available: 1 would break anti-affinity with prod/db-0, 1 would break"
                    + " anti-affinity with prod/db-1, 1 would break anti-affinity with prod/db-2"));
  }

  @Test
  void A1_requiredAntiAffinityHoldsBothWaysAndOnlyWithinTheNamespace() {
    FleetBuilder fleet =
        fleet().sharedRepository("nfs").host("a").host("b", h -> h.capacity(2000, 2048));
    fleet.vm(
        "prod/db-0", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("a", "db-0"));
    fleet.vm(
        "test/db-0", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("b", "db-0"));
    // no rules of its own, but prod/db-0's term selects it; a is emptier, so only the rule keeps it
    // off
    fleet.vm("prod/replica", v -> v.image("nfs").resources(1000, 1024).labels(DB));
    // the same labels in another namespace are no conflict
    fleet.vm(
        "test/db-1", v -> v.image("nfs").labels(Map.of("app", "other")).affinity(apartFrom(DB)));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm, Action.PlaceVm::host)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("prod/replica", "b"),
            org.assertj.core.groups.Tuple.tuple("test/db-1", "a"));
  }

  @Test
  void A1_failoverNeverBreaksRequiredAntiAffinity() {
    FleetBuilder fleet = dbsOnAAndBWithAFullerC();
    fleet.host("a", h -> h.silentFor(LONG_SILENCE));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .as("c is the fuller host, but b runs db-1")
        .singleElement()
        .satisfies(place -> assertThat(place.host()).isEqualTo("c"));

    fleet.removeVm("prod/db-1");
    fleet.vm(
        "prod/db-1", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("c", "db-1"));
    fleet.vm(
        "prod/db-2", v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("b", "db-2"));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.KeepPending.class))
        .singleElement()
        .satisfies(
            pending -> {
              assertThat(pending.reason()).isEqualTo(PendingReason.AffinityConflict);
              assertThat(pending.message())
                  .isEqualTo(
                      "0/3 hosts available: 1 host NotResponding, 1 would break anti-affinity with"
                          + " prod/db-1, 1 would break anti-affinity with prod/db-2");
            });
  }

  @Test
  void A1_aDrainThatWouldBreakRequiredAntiAffinitySaysSoOnTheVmAndTheHost() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("atlantic").host("pacific");
    fleet.vm(
        "prod/db-0",
        v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("pacific", "db-0"));
    fleet.vm(
        "prod/db-1",
        v -> v.image("nfs").labels(DB).affinity(apartFrom(DB)).runsOn("atlantic", "db-1"));
    fleet.host("pacific", h -> h.maintenance(true));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.MigrateVm.class)).isEmpty();
    assertThat(plan.actions(Action.UpdateVmPhase.class))
        .filteredOn(update -> update.vm().equals("prod/db-0"))
        .singleElement()
        .satisfies(
            update -> {
              assertThat(update.vm()).isEqualTo("prod/db-0");
              assertThat(update.reason()).isEqualTo("CannotMigrate");
              assertThat(update.message())
                  .contains("must leave host pacific", "would break anti-affinity with prod/db-1");
            });
    var drained = plan.host("pacific").condition("Drained");
    assertThat(drained.status()).isEqualTo(ConditionStatus.False);
    assertThat(drained.message()).contains("prod/db-0", "would break anti-affinity with prod/db-1");
  }

  @Test
  void A1_aStorageLossMigrationChoosesOnlyAHostThatKeepsTheGroupApart() {
    FleetBuilder fleet = dbsOnAAndBWithAFullerC();
    fleet.host("a", h -> h.storageLost(true));
    assertThat(fleet.plan().actions(Action.MigrateVm.class))
        .singleElement()
        .satisfies(migrate -> assertThat(migrate.to()).isEqualTo("c"));
  }

  @Test
  void A1_requiredAffinityJoinsTheGroupAndTheFirstOfAGroupGoesAnywhere() {
    Map<String, String> web = Map.of("app", "web");
    FleetBuilder fleet = threeHosts();
    fleet.vm("prod/db", v -> v.image("nfs").labels(DB).runsOn("c", "db"));
    // balance alone would pick a or b
    fleet.vm("prod/cache", v -> v.image("nfs").affinity(with(DB)));
    fleet.vm("prod/web-1", v -> v.image("nfs").labels(web).affinity(with(web)));
    fleet.vm("prod/web-2", v -> v.image("nfs").labels(web).affinity(with(web)));
    fleet.vm("prod/orphan", v -> v.image("nfs").affinity(with(Map.of("app", "missing"))));
    Plan plan = fleet.plan();
    var placed = plan.actions(Action.PlaceVm.class);
    assertThat(placed)
        .filteredOn(p -> p.vm().equals("prod/cache"))
        .singleElement()
        .satisfies(p -> assertThat(p.host()).isEqualTo("c"));
    assertThat(placed)
        .filteredOn(p -> p.vm().startsWith("prod/web-"))
        .extracting(Action.PlaceVm::host)
        .as("together, wherever the first went")
        .hasSize(2)
        .containsOnly(
            placed.stream()
                .filter(p -> p.vm().equals("prod/web-1"))
                .findFirst()
                .orElseThrow()
                .host());
    assertThat(plan.actions(Action.KeepPending.class))
        .containsExactly(
            new Action.KeepPending(
                "prod/orphan",
                PendingReason.AffinityConflict,
                "0/3 hosts available: 3 would break affinity with app=missing"));
  }

  @Test
  void A1_aGroupWithRequiredAffinityFailsOverTogether() {
    Map<String, String> web = Map.of("app", "web");
    FleetBuilder fleet = threeHosts();
    fleet.vm(
        "prod/web-1", v -> v.image("nfs").labels(web).affinity(with(web)).runsOn("a", "web-1"));
    fleet.vm(
        "prod/web-2", v -> v.image("nfs").labels(web).affinity(with(web)).runsOn("a", "web-2"));
    fleet.host("a", h -> h.silentFor(LONG_SILENCE));
    var placed = fleet.plan().actions(Action.PlaceVm.class);
    assertThat(placed).hasSize(2);
    assertThat(placed.get(0).host()).isNotEqualTo("a").isEqualTo(placed.get(1).host());
  }

  @Test
  void A1_preferredTermsRankHostsAboveBalanceButNeverForbidOne() {
    FleetBuilder fleet = threeHosts();
    fleet.vm("prod/db", v -> v.image("nfs").labels(DB).resources(2000, 4096).runsOn("c", "db"));
    fleet.vm("prod/app", v -> v.image("nfs").affinity(prefers(80, DB)));
    fleet.vm(
        "prod/batch", v -> v.image("nfs").affinity(prefersApartFrom(10, Map.of("app", "app"))));
    var placed = fleet.plan().actions(Action.PlaceVm.class);
    assertThat(placed)
        .extracting(Action.PlaceVm::vm, Action.PlaceVm::host)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("prod/app", "c"),
            org.assertj.core.groups.Tuple.tuple("prod/batch", "a"));

    FleetBuilder full =
        fleet().sharedRepository("nfs").host("a").host("c", h -> h.capacity(2000, 4096));
    full.vm("prod/db", v -> v.image("nfs").labels(DB).resources(2000, 4096).runsOn("c", "db"));
    full.vm("prod/app", v -> v.image("nfs").affinity(prefers(80, DB)));
    assertThat(full.plan().actions(Action.PlaceVm.class))
        .as("the preferred host is full: placed elsewhere, not kept pending")
        .extracting(Action.PlaceVm::host)
        .containsExactly("a");
  }

  @Test
  void A1_aTemplatesRulesApplyToItsVmsUnlessAVmSetsItsOwn() {
    Map<String, String> web = Map.of("app", "web");
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b");
    fleet.template("prod", "web", t -> t.repository("nfs").affinity(apartFrom(web)));
    fleet.vm("prod/web-1", v -> v.template("web").labels(web).runsOn("a", "web-1"));
    fleet.vm("prod/web-2", v -> v.template("web").labels(web));
    // with the template's rules it would have to keep apart from web-1 and web-2 (no host left)
    fleet.vm(
        "prod/web-3",
        v -> v.template("web").labels(Map.of("app", "web-canary")).affinity(VmAffinity.NONE));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::vm, Action.PlaceVm::host)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("prod/web-2", "b"),
            org.assertj.core.groups.Tuple.tuple("prod/web-3", "a"));
  }
}
