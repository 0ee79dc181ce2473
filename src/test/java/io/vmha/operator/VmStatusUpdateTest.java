package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.VirtualMachineStatus;
import io.vmha.core.model.VmPhase;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading a VM's status for the planner. A status edited by hand (or by any client) may hold text
 * where a timestamp belongs; one such VM stopped the planning of the whole fleet ("planning failed;
 * trying again" every second, no failover), as the benchmark's API write probe showed.
 */
class VmStatusUpdateTest {

  @Test
  void aTimestampThatDoesNotParseReadsAsAbsent() {
    VirtualMachineStatus status = new VirtualMachineStatus();
    status.setPhase("Running");
    status.setHost("pacific");
    status.setPhaseSince("yesterday");
    status.setLastMigrationTime("2026-12-02T16:36:00.970899337Z#142");
    status.setBackoffUntil("soon");
    io.vmha.api.RestartAttempt attempt = new io.vmha.api.RestartAttempt();
    attempt.setHost("atlantic");
    attempt.setTime("not a time");
    io.vmha.api.RestartAttempt readable = new io.vmha.api.RestartAttempt();
    readable.setHost("indian");
    readable.setTime("2026-12-02T16:00:00Z");
    status.setRestartAttempts(List.of(attempt, readable));

    var recorded = VmStatusUpdate.recorded(status);

    assertThat(recorded.phase()).isEqualTo(VmPhase.Running);
    assertThat(recorded.host()).isEqualTo("pacific");
    assertThat(recorded.phaseSince()).isNull();
    assertThat(recorded.lastMigrationTime()).isNull();
    assertThat(recorded.backoffUntil()).isNull();
    assertThat(recorded.restartAttempts()).hasSize(1);
    assertThat(recorded.restartAttempts().get(0).host()).isEqualTo("indian");
  }
}
