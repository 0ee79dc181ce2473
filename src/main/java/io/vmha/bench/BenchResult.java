package io.vmha.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a benchmark run measured; written as JSON by {@code --json}. Times in milliseconds. */
public final class BenchResult {
  public String api;
  public int hosts;
  public int vms;
  public int failedHosts;
  public int availableProcessors = Runtime.getRuntime().availableProcessors();
  public String javaVersion = System.getProperty("java.version");
  public long maxHeapMiB = Runtime.getRuntime().maxMemory() >> 20;
  public Map<String, Object> timings = new LinkedHashMap<>();

  /** Every host had a BMC the operator powered crashed hosts off through (PF). */
  public boolean powerFencing;

  /** chart: the operator and every host's agent under the chart's identities; admin: all admin. */
  public String identities;

  /** Who the API server says the operator is (SelfSubjectReview). */
  public String operatorIdentity;

  /** Who the API server says the first host's agent is (SelfSubjectReview). */
  public String agentIdentity;

  /**
   * The agents' heartbeat renewals (PATCH of their Lease) by phase: coldStart, baseline, quiet (the
   * fleet placed, before the failover), failover (crash to every VM running again). count,
   * min/p50/p90/p99/max ms of those answered 2xx, rejected429 (API Priority and Fairness), failed,
   * unanswered (no answer within the renewal deadline).
   */
  public Map<String, Map<String, Double>> heartbeatLatencyMs = new LinkedHashMap<>();

  /** Which FlowSchema classified the renewals (the API server's X-Kubernetes-PF-FlowSchema-UID). */
  public Map<String, Long> heartbeatFlowSchemas = new LinkedHashMap<>();

  /** Requests the API server refused (401, 403, 429), by "VERB resource code". */
  public Map<String, Long> agentRequestsRefused = new LinkedHashMap<>();

  public Map<String, Long> operatorRequestsRefused = new LinkedHashMap<>();

  /**
   * The API server's own API Priority and Fairness counters over the failover, by "dispatched" or
   * "rejected", FlowSchema and priority level (apiserver_flowcontrol_*_requests_total).
   */
  public Map<String, Double> apfDuringFailover = new LinkedHashMap<>();

  /** failover, cold-start or power-loss. */
  public String scenario;

  // fleet set-up and initial placement: the cold start (every VM created, then the operator)
  public double createSeconds;
  public double initialPlacementSeconds;
  public double initialPlacementVmsPerSecond;
  public double initialPlacementProcessCpuSeconds;

  /** The cold start's rate: the same figure as initialPlacementVmsPerSecond, by its name. */
  public double coldStartVmsPerSecond;

  public double coldStartVsBaseline;

  /** The operator's requests during the cold start, by "VERB resource". */
  public Map<String, Long> coldStartOperatorWrites = new LinkedHashMap<>();

  public double coldStartOperatorWritesPerVm;
  public long coldStartAgentWrites;

  /** Hosts the bench saw NotResponding while the fleet was placed: none should be. */
  public int hostsJudgedLostDuringColdStart;

  /** VMs Running after each tenth of the cold start, by seconds since the operator started. */
  public Map<String, Integer> coldStartProgress = new LinkedHashMap<>();

  // power loss: every host down at once, back after the outage
  public double outageSeconds;

  /** VMs whose status.host changed while every host was down: the freeze says none. */
  public int vmsMovedDuringOutage;

  /** Hosts whose agent reported again, and when the last did (ms after the power came back). */
  public double allHostsUpAfterReturnMs;

  /** Hosts seen NotResponding once every host was Up again: none should be. */
  public int hostsJudgedLostAfterReturn;

  public int powerLossVms;
  public int powerLossVmsRunningAgain;

  /** Power back → every VM running again. */
  public double powerLossRestartSeconds;

  public double powerLossRestartVmsPerSecond;
  public double powerLossRestartVsBaseline;

  /** Power back → each VM running again, by priority. */
  public Map<String, Map<String, Double>> runningAfterReturnMsByPriority = new LinkedHashMap<>();

  /** VMs whose status.phaseSince is after the power went: their status shows the restart. */
  public int vmsWhoseStatusShowsTheRestart;

  /** VMs that ran again before some VM of a higher priority did: P4 places higher first. */
  public int priorityInversions;

  public Map<String, Long> powerLossOperatorWrites = new LinkedHashMap<>();
  public double powerLossOperatorWritesPerVm;
  public long powerLossAgentWrites;

  // baseline: raw status patches, same client, same API server
  public int baselinePatches;
  public int baselineThreads;
  public double baselineSeconds;
  public double baselinePatchesPerSecond;

  // failover
  public List<String> crashedHosts = new ArrayList<>();

  /**
   * Hosts judged NotResponding before the crash: heartbeats late because the API server was
   * saturated.
   */
  public int hostsJudgedLostBeforeCrash;

  public int vmsOnCrashedHosts;
  public int vmsReplaced;
  public int vmsRunningAgain;

  /** crash → the host judged lost (last heartbeat renewal seen before the crash + grace period). */
  public double detectionMs;

  /**
   * crash → the bench saw the host's status.phase NotResponding (written by the plan that
   * re-places).
   */
  public double hostNotRespondingSeenMs;

  public Map<String, Double> replacedAfterDetectionMs = new LinkedHashMap<>();
  public Map<String, Double> runningAfterDetectionMs = new LinkedHashMap<>();

  /**
   * crash → each VM running again elsewhere, measured per VM (with a BMC: silence, power-off,
   * confirmation, re-placement and start).
   */
  public Map<String, Double> runningAfterCrashMs = new LinkedHashMap<>();

  /** crash → running, p99: detection + re-placement + start. */
  public double failoverP99Ms;

  public double replacementRateVmsPerSecond;
  public double replacementRateVsBaseline;
  public double operatorWritesPerFailedOverVm;
  public Map<String, Long> operatorWritesDuringFailover = new LinkedHashMap<>();
  public long operatorReadsDuringFailover;
  public long agentWritesDuringFailover;
  public double failoverProcessCpuSeconds;

  // resources
  public double processHeapMiBAfterGc;
  public double operatorHeapMiB;

  /**
   * Where the operator ran: "bench JVM", or "own JVM, -Xmx..." (then its heap is measured alone).
   */
  public String operatorProcess = "bench JVM";

  /** The operator JVM's heap limit in MiB, when it ran in its own JVM. */
  public double operatorMaxHeapMiB;

  public Map<String, Double> operatorThreadCpuSeconds = new LinkedHashMap<>();
  public Map<String, Double> apiServerCpuSeconds = new LinkedHashMap<>();
  public Map<String, Double> planDurationSeconds = new LinkedHashMap<>();

  // correctness
  public List<String> violations = new ArrayList<>();
  public double totalSeconds;

  public boolean correct() {
    return violations.isEmpty()
        && vmsReplaced == vmsOnCrashedHosts
        && vmsRunningAgain == vmsOnCrashedHosts
        && powerLossVmsRunningAgain == powerLossVms
        && vmsMovedDuringOutage == 0;
  }
}
