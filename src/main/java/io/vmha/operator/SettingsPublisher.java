package io.vmha.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.VmhaApi;
import io.vmha.core.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the settings the agents must run with (R6) in the ConfigMap {@value
 * VmhaApi#SETTINGS_CONFIG_MAP} of the operator's namespace: an agent that reads other ones starts
 * nothing and says why, and the operator marks its host NonOperational from what it reports.
 */
final class SettingsPublisher {
  private static final Logger log = LoggerFactory.getLogger(SettingsPublisher.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Settings settings;
  private volatile boolean published;

  SettingsPublisher(KubernetesClient client, String namespace, Settings settings) {
    this.client = client;
    this.namespace = namespace;
    this.settings = settings;
  }

  /** Writes the ConfigMap until it has been written once by this replica; never throws. */
  void publishOnce() {
    if (published) {
      return;
    }
    try {
      client
          .configMaps()
          .inNamespace(namespace)
          .resource(configMap(settings, namespace))
          .createOr(existing -> existing.update());
      published = true;
      log.info(
          "published the agents' settings in ConfigMap {}/{}",
          namespace,
          VmhaApi.SETTINGS_CONFIG_MAP);
    } catch (KubernetesClientException e) {
      log.warn(
          "could not publish the agents' settings in ConfigMap {}/{}: {}",
          namespace,
          VmhaApi.SETTINGS_CONFIG_MAP,
          e.getMessage());
    }
  }

  static ConfigMap configMap(Settings settings, String namespace) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(VmhaApi.SETTINGS_CONFIG_MAP)
        .withNamespace(namespace)
        .addToLabels("app.kubernetes.io/managed-by", "vmha-operator")
        .endMetadata()
        .withData(io.vmha.core.model.AgentSettings.of(settings).asText())
        .build();
  }
}
