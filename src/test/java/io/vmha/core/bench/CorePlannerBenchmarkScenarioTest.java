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
  void pendingScenarioPlacesEveryVm() {
    var plan = new Engine().plan(CorePlannerBenchmark.fleet(false));
    assertThat(plan.actions(Action.PlaceVm.class)).hasSize(CorePlannerBenchmark.VMS);
  }
}
