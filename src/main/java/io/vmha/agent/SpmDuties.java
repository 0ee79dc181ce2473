package io.vmha.agent;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's part in the Storage Pool Manager role: carrying out a fencing request the operator
 * makes of an SPM host that lost storage (S4), and renewing the {@code vmha-spm} Lease while it
 * holds it, or giving it up when the operator asks (S3, I4). Called from the work loop only.
 */
final class SpmDuties {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final String me;
  private final HypervisorDriver driver;
  private final ClusterView view;
  private final ApiLink api;
  private final Leases spmLeases;

  /** What the agent drops when it "restarts" for a fencing request. */
  private final Runnable forget;

  private boolean fenceRestartDone;
  private int fenceRestarts;
  private int spmRenewals;

  SpmDuties(
      String me,
      HypervisorDriver driver,
      ClusterView view,
      ApiLink api,
      Leases spmLeases,
      Runnable forget) {
    this.me = me;
    this.driver = driver;
    this.view = view;
    this.api = api;
    this.spmLeases = spmLeases;
    this.forget = forget;
  }

  /** How many times the agent restarted itself for a fencing request. */
  int fenceRestarts() {
    return fenceRestarts;
  }

  /** SPM Lease renewals the API server took. */
  int spmRenewals() {
    return spmRenewals;
  }

  /**
   * @return whether the agent reports {@code fenced: true}.
   */
  boolean fencing(AgentWork work) {
    boolean requested =
        work.status().getFencing() != null
            && Boolean.TRUE.equals(work.status().getFencing().getRequested());
    if (!requested) {
      fenceRestartDone = false;
      return false;
    }
    if (!fenceRestartDone) {
      // The agent "restarts": it drops everything it remembers and stops renewing the SPM Lease;
      // the hypervisor and its instances are untouched (S4: its VMs are handled as in S1).
      forget.run();
      fenceRestartDone = true;
      fenceRestarts++;
      LOG.warn(
          "agent of {}: fencing requested ({}): restarted, no longer renewing the SPM Lease",
          me,
          work.status().getFencing().getReason());
    }
    return true;
  }

  void renewSpm(AgentWork work, boolean fenced, Instant now) {
    if (Boolean.TRUE.equals(work.status().getSpmReleaseRequested())) {
      // The operator asks us to give the role up: we stopped acting as SPM above, so clearing the
      // holder ourselves means the next holder can never overlap with us.
      api.check();
      if (spmLeases.releaseSpmIfHolder(view.spmLease())) {
        LOG.info("agent of {}: released the SPM role as the operator asked", me);
      }
      return;
    }
    if (fenced || work.maintenance() || !driver.storageConnected()) {
      return;
    }
    api.check();
    if (spmLeases.renewSpmIfHolder(view.spmLease(), now)) {
      spmRenewals++;
    }
  }
}
