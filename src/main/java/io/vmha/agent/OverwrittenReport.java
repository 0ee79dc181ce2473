package io.vmha.agent;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Notices that the API server holds an older report of this host than the last one its agent wrote:
 * a write the network delivered late (sent into a partition, forwarded once it healed, after the
 * agent had written newer ones), or one the agent gave up on that landed after all. The agent
 * writes only what changed, so the old report would otherwise stand until something changes on the
 * host, and the operator would go on seeing instances stopped since (a self-fence stops them all)
 * and hold their VMs' restarts elsewhere for them. The agent's own view lags behind each of its
 * writes for a moment, so only an older copy seen for {@code settle} counts.
 */
final class OverwrittenReport {
  private final Duration settle;
  private Instant written;
  private Instant olderSince;

  OverwrittenReport(Duration settle) {
    this.settle = settle;
  }

  /** The agent wrote a report stamped {@code reportTime}. */
  void wrote(Instant reportTime) {
    written = reportTime;
    olderSince = null;
  }

  /**
   * Whether the report must be written again: the copy seen ({@code status.reported.reportTime} as
   * the agent's view has it) has been older than the last one written for {@code settle}.
   */
  boolean mustRewrite(String seenReportTime, Instant now) {
    if (written == null || seenReportTime == null || !parse(seenReportTime).isBefore(written)) {
      olderSince = null;
      return false;
    }
    if (olderSince == null) {
      olderSince = now;
    }
    return !now.isBefore(olderSince.plus(settle));
  }

  private static Instant parse(String time) {
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return Instant.MIN; // unreadable: older than anything this agent wrote
    }
  }
}
