package io.vmha.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.Action;
import io.vmha.core.Engine;
import org.junit.jupiter.api.Test;

/** The benchmark measures what it claims: 200 failovers, and 20,000 initial placements. */
class CorePlannerBenchmarkScenarioTest {

  @Test
  void failedHostScenarioReplacesItsTwoHundredVms() {
    var plan = new Engine().plan(CorePlannerBenchmark.fleet(true));
    assertThat(plan.actions(Action.PlaceVm.class)).hasSize(180);
    assertThat(plan.actions(Action.MarkFailed.class)).hasSize(20); // every tenth VM is not HA
  }

  @Test
  void affinityScenarioPlacesEveryVmKeepingEachGroupApartAndItsApplicationsWithIt() {
    var plan = new Engine().plan(CorePlannerBenchmark.fleet(false, true));
    var placed = plan.actions(Action.PlaceVm.class);
    // an application placed before any VM of its group (P4 orders by name) waits a plan: its
    // group must run somewhere first
    assertThat(plan.actions(Action.KeepPending.class))
        .allSatisfy(
            pending -> {
              assertThat(pending.reason()).isEqualTo(io.vmha.core.PendingReason.AffinityConflict);
              assertThat(pending.message()).contains("would break affinity with group=db-");
            });
    assertThat(placed.size() + plan.actions(Action.KeepPending.class).size())
        .isEqualTo(CorePlannerBenchmark.VMS);
    assertThat(placed.size()).isGreaterThan(CorePlannerBenchmark.VMS * 99 / 100);
    java.util.Map<String, java.util.Set<String>> groupHosts = new java.util.HashMap<>();
    java.util.Map<String, String> hostOf = new java.util.HashMap<>();
    placed.forEach(p -> hostOf.put(p.vm(), p.host()));
    for (int i = 5; i < CorePlannerBenchmark.VMS; i += 10) {
      assertThat(
              groupHosts
                  .computeIfAbsent(CorePlannerBenchmark.group(i), g -> new java.util.HashSet<>())
                  .add(hostOf.get("default/vm" + i)))
          .as("vm%d shares a host with its group", i)
          .isTrue();
    }
    for (int i = 7; i < CorePlannerBenchmark.VMS; i += 10) {
      if (!hostOf.containsKey("default/vm" + i)) {
        continue;
      }
      assertThat(groupHosts.get(CorePlannerBenchmark.group(i - 2)))
          .as("vm%d runs with its group", i)
          .contains(hostOf.get("default/vm" + i));
    }
  }

  @Test
  void powerLossScenarioFindsEveryVmsInstanceGone() {
    var plan = new Engine().plan(CorePlannerBenchmark.backFromPowerLoss());
    assertThat(plan.actions(Action.RecordFailedAttempt.class))
        .as("every instance disappeared: each VM is started again")
        .hasSize(CorePlannerBenchmark.VMS);
    assertThat(plan.actions(Action.CompleteMigration.class)).isEmpty();
  }

  @Test
  void pendingScenarioPlacesEveryVm() {
    var plan = new Engine().plan(CorePlannerBenchmark.fleet(false));
    assertThat(plan.actions(Action.PlaceVm.class)).hasSize(CorePlannerBenchmark.VMS);
  }
}
