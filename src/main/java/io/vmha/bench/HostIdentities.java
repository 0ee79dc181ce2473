package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.kube.HostCredentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every simulated host's agent under the identity {@code vmha host-credentials} makes for a real
 * host: ServiceAccount {@code vmha-host-NAME} in the chart's default identity namespace (whose
 * group the chart's host-agent roles are bound to), its pre-created heartbeat Lease. The requests
 * go on two shared HTTP clients (one for the agents' reads and reports, one with the heartbeat
 * deadline) with the admin impersonating the host's ServiceAccount: kube-apiserver applies
 * impersonation before API Priority and Fairness, authorization and admission, so all three see
 * {@code system:serviceaccount:NS-hosts:vmha-host-NAME} in the groups of a ServiceAccount. A bearer
 * token per host would need a client (and a connection pool and selector thread) per host.
 */
final class HostIdentities implements SimulatedDatacenter.HostClients {
  private final KubernetesClient admin;
  private final KubernetesClient shared;
  private final KubernetesClient sharedHeartbeats;
  private final String namespace;
  private final String identityNamespace;
  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();
  private final Map<String, KubernetesClient> heartbeatClients = new ConcurrentHashMap<>();

  /**
   * @param admin creates the identities, as a cluster admin runs {@code vmha host-credentials}
   * @param shared an admin client the agents' requests go through, impersonating their host
   * @param sharedHeartbeats the same with the heartbeat deadline
   */
  HostIdentities(
      KubernetesClient admin,
      KubernetesClient shared,
      KubernetesClient sharedHeartbeats,
      String namespace) {
    this.admin = admin;
    this.shared = shared;
    this.sharedHeartbeats = sharedHeartbeats;
    this.namespace = namespace;
    this.identityNamespace = HostCredentials.defaultIdentityNamespace(namespace);
  }

  /** What {@code vmha host-credentials --host NAME} creates, for every host. */
  void create(List<String> hosts) throws Exception {
    // the token it issues is not used: the bench impersonates the account instead
    Work.parallel(
        hosts.size(),
        i ->
            new HostCredentials(admin, namespace, identityNamespace, hosts.get(i))
                .issue(Duration.ofMinutes(10)));
  }

  String username(String host) {
    return HostCredentials.username(identityNamespace, host);
  }

  @Override
  public KubernetesClient client(String host) {
    return clients.computeIfAbsent(host, h -> as(shared, h));
  }

  @Override
  public KubernetesClient heartbeatClient(String host) {
    return heartbeatClients.computeIfAbsent(host, h -> as(sharedHeartbeats, h));
  }

  /**
   * The same HTTP client and timeouts as {@code base}, impersonating the host's ServiceAccount. The
   * groups are left to the API server, which gives an impersonated ServiceAccount those of its
   * namespace, as its token would.
   */
  private KubernetesClient as(KubernetesClient base, String host) {
    RequestConfig config =
        new RequestConfigBuilder(base.getConfiguration().getRequestConfig())
            .withImpersonateUsername(username(host))
            .withImpersonateGroups()
            .build();
    return base.newClient(config).adapt(KubernetesClient.class);
  }
}
