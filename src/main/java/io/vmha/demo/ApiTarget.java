package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.io.IOException;
import java.nio.file.Path;

/** The API server the demo plays against: embedded in this process, or a real kube-apiserver. */
public interface ApiTarget extends AutoCloseable {
  KubernetesClient client();

  /** What the operator must leave out against this server (the mock has no server-side apply). */
  void adapt(ConfigurationServiceOverrider overrider);

  /** A kubeconfig for kubectl, for {@code --keep-running}. */
  Path writeKubeconfig(Path file) throws IOException;

  /** A short description for the demo's header. */
  String describe();

  @Override
  void close();
}
