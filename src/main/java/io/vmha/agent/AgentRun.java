package io.vmha.agent;

import java.time.Instant;

/**
 * The agent's current run: it begins when the agent starts and again when it resumes after a
 * self-fence, the two moments its instances may differ from what it last reported. The heartbeat
 * Lease ({@code spec.acquireTime}) and every report carry when the run began, so the operator
 * trusts a report only once one of this run has been written: a report of an earlier run still
 * shows the VMs a crash or a fence stopped.
 */
final class AgentRun {
  private volatile Instant since;

  AgentRun(Instant start) {
    this.since = start;
  }

  Instant since() {
    return since;
  }

  /** A new run begins: the agent resumed after fencing itself. */
  void begin(Instant now) {
    since = now.isAfter(since) ? now : since.plusNanos(1000);
  }
}
