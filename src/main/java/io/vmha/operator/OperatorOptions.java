package io.vmha.operator;

import io.vmha.core.Settings;
import java.util.Objects;

/**
 * How one operator process runs: the engine's settings plus the process's own (leader election, the
 * HTTP port of probes and metrics). Read once at start-up, immutable afterwards.
 *
 * @param settings the failover engine's timings and policies (SPEC section 4)
 * @param leaderElection run only while holding the {@code leaseName} Lease
 * @param leaseName Lease that elects the active replica
 * @param leaseNamespace namespace of that Lease and of the SPM Lease and heartbeat Leases
 * @param identity this replica's name in the Lease (the pod name in a cluster)
 * @param httpPort port of /healthz, /readyz and /metrics; 0 picks a free one, -1 disables it
 * @param exitToRestart end the process when it can no longer do its part: another replica took the
 *     lead, or its watches went quiet while the API server moved on ({@link QuietWatchGuard}); its
 *     Deployment then restarts it fresh (off only where several operators share a JVM)
 */
public record OperatorOptions(
    Settings settings,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    String identity,
    int httpPort,
    boolean exitToRestart) {

  public OperatorOptions {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(leaseName, "leaseName");
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(identity, "identity");
  }

  public static OperatorOptions defaults(String namespace) {
    return new OperatorOptions(
        Settings.defaults(), true, "vmha-operator", namespace, "vmha-operator-local", 0, false);
  }
}
