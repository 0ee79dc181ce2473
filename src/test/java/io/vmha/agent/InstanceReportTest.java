package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An instance as the invariant checker reads it, from what a hypervisor holds. */
class InstanceReportTest {

  @Test
  void aVmsInstanceKeepsItsVmStateAndSize() {
    Instance instance =
        new Instance(
            "web-1",
            "default/web",
            Instance.State.Paused,
            "StorageLost",
            new io.vmha.api.Resources(2, 2048),
            Instant.EPOCH);
    assertThat(instance.report())
        .isEqualTo(
            new InstanceReport(
                "web-1",
                "default/web",
                InstanceState.Paused,
                io.vmha.core.model.Resources.of(2000, 2048),
                "StorageLost"));
  }

  @Test
  void aDomainVmhaDidNotStartIsForeignAndOneWithoutASizeTakesNothing() {
    InstanceReport report =
        new Instance("mail", null, Instance.State.Running, null, null, Instant.EPOCH).report();
    assertThat(report.isForeign()).isTrue();
    assertThat(report.resources()).isEqualTo(io.vmha.core.model.Resources.ZERO);
  }
}
