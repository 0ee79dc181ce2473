package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.vmha.api.Condition;
import io.vmha.api.InstanceReport;
import io.vmha.api.TemplateRef;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmMonitoring;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * M1 on the operator: each reset a host reports is recorded and told once, however many plans see
 * the report, and {@code GuestMonitored} says when the agent gave up.
 */
class GuestResetsTest {
  static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

  static InstanceReport heard(boolean leftAlone, String... resets) {
    InstanceReport report = new InstanceReport();
    report.setName("monitor-1");
    report.setVm("demo/monitor");
    report.setGuestResets(List.of(resets));
    report.setGuestLeftAlone(leftAlone ? true : null);
    return report;
  }

  static VirtualMachine monitored() {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName("monitor").withNamespace("demo").build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setTemplateRef(new TemplateRef("sles10template"));
    spec.setGuestAgent(true);
    spec.setMonitoring(new VmMonitoring(true, "30s", "120s", 2, "1h"));
    vm.setSpec(spec);
    vm.setStatus(new VirtualMachineStatus());
    return vm;
  }

  @Test
  void M1_eachReportedResetIsRecordedOnce() {
    VirtualMachineStatus status = new VirtualMachineStatus();
    String first = "2026-12-03T09:50:00Z";
    String second = "2026-12-03T09:55:00Z";
    assertThat(GuestResets.record(status, heard(false, first))).hasSize(1);
    assertThat(GuestResets.record(status, heard(false, first))).as("the same report").isEmpty();
    assertThat(GuestResets.record(status, heard(false, first, second)))
        .containsExactly(Instant.parse(second));
    assertThat(status.getGuestResetCount()).isEqualTo(2);
    assertThat(status.getLastGuestResetTime()).isEqualTo(second);
    assertThat(status.getRecentGuestResets()).containsExactly(first, second);
  }

  @Test
  void M1_guestMonitoredSaysGaveUpWhileTheAgentLeavesTheGuestAlone() {
    VirtualMachine vm = monitored();
    List<Condition> conditions = new ArrayList<>();
    boolean gaveUp =
        GuestResets.condition(vm, null, heard(true, "2026-12-03T09:50:00Z"), null, conditions, NOW);
    assertThat(gaveUp).isTrue();
    Condition condition = io.vmha.api.Condition.find(conditions, GuestResets.CONDITION);
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getReason()).isEqualTo(GuestResets.GAVE_UP);
    vm.getStatus().setConditions(conditions);
    assertThat(GuestResets.changes(vm, heard(true, "2026-12-03T09:50:00Z"))).isTrue();

    List<Condition> again = new ArrayList<>();
    assertThat(
            GuestResets.condition(
                vm, null, heard(true, "2026-12-03T09:50:00Z"), conditions, again, NOW))
        .as("told once")
        .isFalse();
    assertThat(GuestResets.changes(vm, null))
        .as("no longer reported left alone: the condition is due a write")
        .isTrue();
  }

  @Test
  void M1_noConditionWithoutMonitoringOrAGuestAgent() {
    VirtualMachine vm = monitored();
    List<Condition> conditions = new ArrayList<>();
    GuestResets.condition(vm, null, null, null, conditions, NOW);
    assertThat(io.vmha.api.Condition.find(conditions, GuestResets.CONDITION).getReason())
        .isEqualTo("Watching");
    vm.getSpec().setGuestAgent(false);
    conditions.clear();
    GuestResets.condition(vm, null, null, null, conditions, NOW);
    assertThat(conditions).isEmpty();
    vm.getSpec().setGuestAgent(true);
    vm.getSpec().setMonitoring(null);
    GuestResets.condition(vm, null, null, null, conditions, NOW);
    assertThat(conditions).isEmpty();
  }
}
