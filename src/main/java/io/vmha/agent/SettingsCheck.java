package io.vmha.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.VmhaApi;
import io.vmha.core.model.AgentSettings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares what this agent runs with the settings the operator publishes (R6). An agent whose
 * self-fence deadline, grace period, fencing policy or failover threshold differs from the
 * operator's may not fence when the operator expects it to: it refuses new work (starts nothing)
 * and says so, while its heartbeat and fencing go on unchanged, so the VMs it runs stay safe. The
 * operator, which sees the same difference in the agent's report, marks the host NonOperational. No
 * published settings (an older operator, or none readable) is no objection.
 */
final class SettingsCheck {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final KubernetesClient client;
  private final AgentOptions options;
  private final AgentSettings mine;
  private final long everyNanos;
  private long lastRead = Long.MIN_VALUE;
  private volatile List<String> differences = List.of();

  SettingsCheck(KubernetesClient client, AgentOptions options) {
    this.client = client;
    this.options = options;
    this.mine = options.settings();
    this.everyNanos = options.heartbeatInterval().multipliedBy(10).toNanos();
  }

  /** Whether this agent may take new work: it runs what the operator published. */
  boolean agrees() {
    return differences.isEmpty();
  }

  /** Reads the published settings again if it is time (every ten heartbeat intervals). */
  void refresh(long nowNanos) {
    if (lastRead != Long.MIN_VALUE && nowNanos - lastRead < everyNanos) {
      return;
    }
    lastRead = nowNanos;
    ConfigMap published;
    try {
      published =
          client
              .configMaps()
              .inNamespace(options.leaseNamespace())
              .withName(VmhaApi.SETTINGS_CONFIG_MAP)
              .get();
    } catch (KubernetesClientException e) {
      LOG.debug(
          "agent of {}: cannot read the operator's settings: {}", options.host(), e.getMessage());
      return;
    }
    List<String> found =
        published == null || published.getData() == null
            ? List.of()
            : mine.differencesFrom(AgentSettings.parse(published.getData()::get));
    if (!found.equals(differences)) {
      if (found.isEmpty()) {
        LOG.info("agent of {} runs the operator's settings again", options.host());
      } else {
        LOG.error(
            "agent of {} runs other settings than the operator publishes, so it may not fence"
                + " when the operator expects it to; it starts nothing until they match (restart"
                + " it with the operator's): {}",
            options.host(),
            String.join(", ", found));
      }
    }
    differences = found;
  }
}
