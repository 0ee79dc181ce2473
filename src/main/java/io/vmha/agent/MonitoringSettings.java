package io.vmha.agent;

import io.vmha.api.ShortDuration;
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
    VmMonitoring monitoring = VmMonitoring.watched(spec, template);
    if (monitoring == null) {
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
    Duration read = text == null ? null : ShortDuration.parse(text);
    return read == null ? otherwise : read;
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
