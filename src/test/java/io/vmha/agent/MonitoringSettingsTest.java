package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmMonitoring;
import io.vmha.api.VmTemplateSpec;
import io.vmha.core.model.GuestMonitoring;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** M1: what the agent reads of a VM's monitoring from its object and its template. */
class MonitoringSettingsTest {
  static VmTemplateSpec template(VmMonitoring monitoring, Boolean guestAgent) {
    VmTemplateSpec template = new VmTemplateSpec();
    template.setMonitoring(monitoring);
    template.setGuestAgent(guestAgent);
    return template;
  }

  @Test
  void M1_theVmsOwnMonitoringReplacesTheTemplatesAsAWhole() {
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setMonitoring(new VmMonitoring(true, "5s", null, null, null));
    GuestMonitoring read =
        MonitoringSettings.of(spec, template(new VmMonitoring(true, "1m", "10m", 9, "2h"), true));
    assertThat(read)
        .isEqualTo(
            new GuestMonitoring(
                Duration.ofSeconds(5),
                GuestMonitoring.DEFAULTS.minUptime(),
                GuestMonitoring.DEFAULTS.maxResets(),
                GuestMonitoring.DEFAULTS.resetWindow()));
    assertThat(
            MonitoringSettings.of(
                new VirtualMachineSpec(),
                template(new VmMonitoring(true, "1m", "500ms", 9, "2h"), true)))
        .isEqualTo(
            new GuestMonitoring(
                Duration.ofMinutes(1), Duration.ofMillis(500), 9, Duration.ofHours(2)));
  }

  @Test
  void M1_noMonitoringWhenDisabledOrTheGuestRunsNoAgent() {
    VmMonitoring on = new VmMonitoring(true, null, null, null, null);
    assertThat(MonitoringSettings.of(new VirtualMachineSpec(), template(on, false)))
        .as("the template's guest runs no agent")
        .isNull();
    VirtualMachineSpec withAgent = new VirtualMachineSpec();
    withAgent.setGuestAgent(true);
    assertThat(MonitoringSettings.of(withAgent, template(on, false)))
        .as("the VM says its guest does")
        .isEqualTo(GuestMonitoring.DEFAULTS);
    assertThat(
            MonitoringSettings.of(
                withAgent, template(new VmMonitoring(false, null, null, null, null), true)))
        .isNull();
  }
}
