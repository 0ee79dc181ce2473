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

  // fleet set-up and initial placement
  public double createSeconds;
  public double initialPlacementSeconds;
  public double initialPlacementVmsPerSecond;
  public double initialPlacementProcessCpuSeconds;

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
        && vmsRunningAgain == vmsOnCrashedHosts;
  }
}
