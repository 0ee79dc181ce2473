package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vmha.api.AgentReport;
import java.time.Instant;

/**
 * Whether a host's report was written in the agent run its heartbeat Lease names. A host back from
 * a crash or a self-fence renews before it reports again, and its last report, of the run before,
 * still shows the VMs that stopped with it: taken at its word, a VM waiting for that host would be
 * counted running there. Until the agent reports again the host counts as not reported. A report
 * that names no run (an older agent) is taken as it is.
 */
public final class CurrentRun {
  private CurrentRun() {}

  public static boolean ofCurrentRun(AgentReport reported, Lease lease) {
    if (reported == null || reported.getRunSince() == null) {
      return true;
    }
    Instant reportRun = Timestamps.parseOrNull(reported.getRunSince());
    var acquired =
        lease == null || lease.getSpec() == null ? null : lease.getSpec().getAcquireTime();
    return reportRun != null && acquired != null && reportRun.equals(acquired.toInstant());
  }
}
