package io.vmha.operator;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.function.Function;

/**
 * A read on a connection of its own, made for it and closed after: the operator's client may hold
 * pooled connections that went quiet, and a read on one of those waits out its timeout once per
 * retry. Short timeouts and no retries, since a failed read here only means "no evidence".
 */
final class FreshConnection {
  private static final int TIMEOUT_MILLIS = 5_000;

  private final io.fabric8.kubernetes.client.Config config;

  FreshConnection(io.fabric8.kubernetes.client.Config of) {
    this.config =
        new ConfigBuilder(io.vmha.kube.ApiClients.http11(of))
            .withRequestTimeout(TIMEOUT_MILLIS)
            .withConnectionTimeout(TIMEOUT_MILLIS)
            .withRequestRetryBackoffLimit(0)
            .build();
  }

  /** What {@code read} returns, or null if the API server did not answer it. */
  <T> T read(Function<KubernetesClient, T> read) {
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      return read.apply(client);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
