package io.vmha.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.vmha.demo.EmbeddedApiServer;
import java.util.function.Consumer;

/** The API server a benchmark runs against: the embedded mock, or a real kube-apiserver + etcd. */
interface BenchApi extends AutoCloseable {
  String name();

  Config config();

  /** What the operator must be told about this server (the mock has no server-side apply). */
  Consumer<ConfigurationServiceOverrider> operatorOverrides();

  /**
   * Extra processes whose CPU time counts as the API server's (kube-apiserver, etcd); empty for the
   * mock.
   */
  default long[] serverPids() {
    return new long[0];
  }

  @Override
  void close();

  /** A new client (its own HTTP client and connection pool), counting its requests if asked. */
  default KubernetesClient client(Interceptor counter) {
    return counter == null ? client(config()) : client(config(), counter);
  }

  /** A new client with these credentials and timeouts, its requests seen by the interceptors. */
  default KubernetesClient client(Config config, Interceptor... interceptors) {
    KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
    if (interceptors.length > 0) {
      builder.withHttpClientBuilderConsumer(
          b -> {
            for (int i = 0; i < interceptors.length; i++) {
              b.addOrReplaceInterceptor("vmha-bench-" + i, interceptors[i]);
            }
          });
    }
    return builder.build();
  }

  static BenchApi embedded() {
    EmbeddedApiServer server = EmbeddedApiServer.start();
    return new BenchApi() {
      @Override
      public String name() {
        return "embedded (Fabric8 mock server, CRUD mode)";
      }

      @Override
      public Config config() {
        return server.client().getConfiguration();
      }

      @Override
      public Consumer<ConfigurationServiceOverrider> operatorOverrides() {
        return EmbeddedApiServer::withoutServerSideApply;
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }
}
