package io.vmha.operator;

import io.vmha.api.PowerFencingStatus;
import io.vmha.api.PowerManagement;
import io.vmha.api.VmHostStatus;
import io.vmha.core.model.PowerFenceView;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** A host's power fencing as the engine reads it, from its spec and status. */
final class PowerFenceViews {
  private PowerFenceViews() {}

  /**
   * @return null for a host without power management; a record the operator cannot read counts as
   *     none, so a fence for the current outage is asked for again (the power-off is idempotent)
   */
  static PowerFenceView of(PowerManagement spec, VmHostStatus status) {
    if (spec == null) {
      return null;
    }
    PowerFencingStatus record = status == null ? null : status.getPowerFencing();
    if (record == null || record.getState() == null || record.getRequestedAt() == null) {
      return PowerFenceView.IDLE;
    }
    try {
      return new PowerFenceView(
          PowerFenceView.State.valueOf(record.getState()),
          Instant.parse(record.getRequestedAt()),
          record.getMessage());
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return PowerFenceView.IDLE;
    }
  }
}
