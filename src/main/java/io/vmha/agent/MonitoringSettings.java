package io.vmha.agent;

import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmMonitoring;
import io.vmha.api.VmTemplateSpec;
import io.vmha.core.model.GuestMonitoring;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reads a VM's monitoring (M1) from its object, the way the CRD documents it. */
final class MonitoringSettings {
  private MonitoringSettings() {}

  /**
   * The VM's own monitoring, else its template's, as a whole; null when not enabled, or when the
   * guest runs no guest agent (the VM's {@code guestAgent}, else its template's).
   */
  static GuestMonitoring of(VirtualMachineSpec spec, VmTemplateSpec template) {
    VmMonitoring monitoring = spec == null ? null : spec.getMonitoring();
    if (monitoring == null && template != null) {
      monitoring = template.getMonitoring();
    }
    if (monitoring == null || !Boolean.TRUE.equals(monitoring.getEnabled())) {
      return null;
    }
    Boolean guestAgent = spec == null ? null : spec.getGuestAgent();
    if (guestAgent == null && template != null) {
      guestAgent = template.getGuestAgent();
    }
    if (!Boolean.TRUE.equals(guestAgent)) {
      // the CRDs refuse this on one object, not across VM and template: a guest without an agent
      // would only ever look hung, and be reset for nothing
      return null;
    }
    GuestMonitoring defaults = GuestMonitoring.DEFAULTS;
    return new GuestMonitoring(
        duration(monitoring.getFailureInterval(), defaults.failureInterval()),
        duration(monitoring.getMinUptime(), defaults.minUptime()),
        monitoring.getMaxResets() == null
            ? defaults.maxResets()
            : Math.max(1, monitoring.getMaxResets()),
        duration(monitoring.getResetWindow(), defaults.resetWindow()));
  }

  /** The CRD's durations: one number and one unit (ms, s, m, h); the default if unreadable. */
  static Duration duration(String text, Duration otherwise) {
    if (text == null || !text.matches("[0-9]+(ms|s|m|h)")) {
      return otherwise;
    }
    String unit = text.replaceAll("[0-9]", "");
    long amount = Long.parseLong(text.substring(0, text.length() - unit.length()));
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** RFC 3339 times; unreadable ones are skipped (a hand-edited status must not stop the agent). */
  static List<Instant> times(List<String> texts) {
    List<Instant> times = new ArrayList<>();
    if (texts != null) {
      for (String text : texts) {
        try {
          times.add(Instant.parse(text));
        } catch (DateTimeParseException | NullPointerException e) {
          // skipped
        }
      }
    }
    return List.copyOf(times);
  }
}
