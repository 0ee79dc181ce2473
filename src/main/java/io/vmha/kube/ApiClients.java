package io.vmha.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

/**
 * The client configuration of vmha's long-running processes: HTTP/1.1, never HTTP/2.
 *
 * <p>Over HTTP/2 the JDK client carries every request and every watch of a process on one TCP
 * connection and never checks that connection's health (client-go pings it; the JDK client does
 * not). When that connection goes quiet without closing (the API server replica behind a load
 * balancer loses power, a firewall forgets it), every watch and every request of the process hangs
 * on it, each retry on the same connection, until TCP gives up minutes to hours later: a real agent
 * whose connections a proxy stalled kept renewing its heartbeat (its own HTTP/1.1 client) but
 * started no VM for over five minutes, its work loop stuck in a request. Over HTTP/1.1 a quiet
 * connection holds only the request or the watch on it: a request times out and the next one opens
 * a fresh connection, and a quiet watch is found by the agent's and the operator's own checks.
 */
public final class ApiClients {
  private ApiClients() {}

  /** The kubeconfig or in-cluster configuration, over HTTP/1.1. */
  public static Config autoConfigured() {
    return http11(Config.autoConfigure(null));
  }

  public static Config http11(Config config) {
    return new ConfigBuilder(config).withHttp2Disable(true).build();
  }
}
