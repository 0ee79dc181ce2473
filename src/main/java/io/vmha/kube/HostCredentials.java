package io.vmha.kube;

import io.fabric8.kubernetes.api.model.NamedAuthInfoBuilder;
import io.fabric8.kubernetes.api.model.NamedClusterBuilder;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.VmhaApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * One identity per hypervisor host, as Kubernetes gives one to each kubelet: a ServiceAccount
 * {@code vmha-host-<host>} in the hosts' identity namespace, a bound token for it, and a kubeconfig
 * with that token. Its rights are the chart's: one role bound to the group of that namespace, as
 * every kubelet's are bound to {@code system:nodes}, narrowed to the host's own objects by the
 * chart's admission policies keyed on the ServiceAccount's name, as NodeRestriction narrows a
 * kubelet's. A binding per host would cost the API server a walk over every host's binding on every
 * request of the fleet.
 */
public final class HostCredentials {
  /**
   * Every host identity's ServiceAccount name starts with this; the admission policies key on it.
   */
  public static final String PREFIX = "vmha-host-";

  /** What the hosts' identity namespace is named after the release namespace, unless set. */
  private static final String IDENTITY_NAMESPACE_SUFFIX = "-hosts";

  private static final Map<String, String> MANAGED =
      Map.of("app.kubernetes.io/managed-by", "vmha-host-credentials");

  private final KubernetesClient admin;
  private final String namespace;
  private final String identityNamespace;
  private final String host;

  /**
   * @param namespace the release namespace, where the Leases are
   * @param identityNamespace where the hosts' ServiceAccounts are
   */
  public HostCredentials(
      KubernetesClient admin, String namespace, String identityNamespace, String host) {
    this.admin = admin;
    this.namespace = namespace;
    this.identityNamespace = identityNamespace;
    this.host = host;
  }

  /** The identity namespace the chart makes for a release namespace unless told otherwise. */
  public static String defaultIdentityNamespace(String releaseNamespace) {
    return releaseNamespace + IDENTITY_NAMESPACE_SUFFIX;
  }

  /** The name of the host's ServiceAccount. */
  public static String identityName(String host) {
    return PREFIX + host;
  }

  /** The username the API server gives the host's agent. */
  public static String username(String identityNamespace, String host) {
    return "system:serviceaccount:" + identityNamespace + ":" + identityName(host);
  }

  /**
   * Creates the host's ServiceAccount if missing and its heartbeat Lease (a Lease that exists keeps
   * its renewals), then issues a token valid for {@code duration} and returns a kubeconfig that
   * uses it.
   *
   * @throws IllegalStateException if the identity namespace does not exist (the chart makes it)
   */
  public String issue(Duration duration) {
    if (admin.namespaces().withName(identityNamespace).get() == null) {
      throw new IllegalStateException(
          "namespace "
              + identityNamespace
              + " does not exist: install the chart first (it makes the hosts' identity namespace"
              + " and binds their role to it), or pass the chart's agent.identityNamespace");
    }
    String name = identityName(host);
    ServiceAccount account =
        new ServiceAccountBuilder().withMetadata(meta(name, identityNamespace)).build();
    admin
        .serviceAccounts()
        .inNamespace(identityNamespace)
        .resource(account)
        .createOr(r -> r.update());
    heartbeatLease();
    TokenRequest request =
        admin
            .serviceAccounts()
            .inNamespace(identityNamespace)
            .withName(name)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(duration.toSeconds())
                    .endSpec()
                    .build());
    return kubeconfig(request.getStatus().getToken());
  }

  /**
   * Deletes the host's ServiceAccount: its tokens stop authenticating, and with them its rights,
   * once the API server's token cache forgets them (bound tokens name the ServiceAccount's UID, so
   * a new identity of the same name does not revive them). Also deletes an identity of the earlier
   * kind, with roles and bindings of its own in the release namespace. The heartbeat Lease stays,
   * so the operator keeps judging the host by it.
   */
  public void revoke() {
    String name = identityName(host);
    admin.serviceAccounts().inNamespace(identityNamespace).withName(name).delete();
    admin.rbac().clusterRoleBindings().withName(name).delete();
    admin.rbac().clusterRoles().withName(name).delete();
    admin.rbac().roleBindings().inNamespace(namespace).withName(name).delete();
    admin.rbac().roles().inNamespace(namespace).withName(name).delete();
    admin.serviceAccounts().inNamespace(namespace).withName(name).delete();
  }

  /**
   * Pre-created here: the agent may only renew it (the chart's admission policy refuses it any
   * create).
   */
  private void heartbeatLease() {
    String leaseName = VmhaApi.hostLeaseName(host);
    if (admin.leases().inNamespace(namespace).withName(leaseName).get() != null) {
      return;
    }
    Lease lease =
        new LeaseBuilder()
            .withMetadata(
                new ObjectMetaBuilder(meta(leaseName, namespace))
                    .addToLabels(VmhaApi.LEASE_KIND_LABEL, "host")
                    .addToLabels(VmhaApi.HOST_LABEL, host)
                    .build())
            .withNewSpec()
            .withHolderIdentity(host)
            .endSpec()
            .build();
    admin.leases().inNamespace(namespace).resource(lease).create();
  }

  private ObjectMeta meta(String name, String inNamespace) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(inNamespace)
        .withLabels(MANAGED)
        .addToLabels(VmhaApi.HOST_LABEL, host)
        .build();
  }

  private String kubeconfig(String token) {
    Config own = admin.getConfiguration();
    String user = identityName(host);
    var cluster =
        new io.fabric8.kubernetes.api.model.ClusterBuilder()
            .withServer(own.getMasterUrl())
            .withCertificateAuthorityData(caData(own))
            .withInsecureSkipTlsVerify(own.isTrustCerts() ? Boolean.TRUE : null)
            .build();
    io.fabric8.kubernetes.api.model.Config config =
        new io.fabric8.kubernetes.api.model.ConfigBuilder()
            .withApiVersion("v1")
            .withKind("Config")
            .withClusters(new NamedClusterBuilder().withName("vmha").withCluster(cluster).build())
            .withUsers(
                new NamedAuthInfoBuilder()
                    .withName(user)
                    .withNewUser()
                    .withToken(token)
                    .endUser()
                    .build())
            .withContexts(
                new NamedContextBuilder()
                    .withName(user)
                    .withNewContext()
                    .withCluster("vmha")
                    .withUser(user)
                    .withNamespace(namespace)
                    .endContext()
                    .build())
            .withCurrentContext(user)
            .build();
    return admin.getKubernetesSerialization().asYaml(config);
  }

  private static String caData(Config config) {
    if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
      return config.getCaCertData();
    }
    if (config.getCaCertFile() == null) {
      return null;
    }
    try {
      return Base64.getEncoder()
          .encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the cluster's CA " + config.getCaCertFile(), e);
    }
  }
}
