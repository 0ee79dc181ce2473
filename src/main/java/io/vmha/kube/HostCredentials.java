package io.vmha.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
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
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.api.VmhaApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One identity per hypervisor host, as Kubernetes gives one to each kubelet: a ServiceAccount
 * {@code vmha-host-<host>} whose rights name its own objects only (its VmHost's status, its
 * heartbeat Lease, renewing the SPM Lease), a bound token for it, and a kubeconfig with that token.
 * What RBAC cannot say (which status fields, which Lease holder) the chart's admission policies
 * say, keyed on the same name.
 */
public final class HostCredentials {
  /**
   * Every host identity's ServiceAccount name starts with this; the admission policies key on it.
   */
  public static final String PREFIX = "vmha-host-";

  private static final Map<String, String> MANAGED =
      Map.of("app.kubernetes.io/managed-by", "vmha-host-credentials");

  private final KubernetesClient admin;
  private final String namespace;
  private final String host;

  public HostCredentials(KubernetesClient admin, String namespace, String host) {
    this.admin = admin;
    this.namespace = namespace;
    this.host = host;
  }

  /** The name of the host's ServiceAccount, roles and bindings. */
  public static String identityName(String host) {
    return PREFIX + host;
  }

  /** The username the API server gives the host's agent. */
  public static String username(String namespace, String host) {
    return "system:serviceaccount:" + namespace + ":" + identityName(host);
  }

  /**
   * Creates or brings back to what they must be the host's ServiceAccount, roles, bindings and
   * heartbeat Lease (a Lease that exists keeps its renewals), then issues a token valid for {@code
   * duration} and returns a kubeconfig that uses it.
   */
  public String issue(Duration duration) {
    String name = identityName(host);
    ServiceAccount account =
        new ServiceAccountBuilder().withMetadata(meta(name, namespace)).build();
    admin.serviceAccounts().inNamespace(namespace).resource(account).createOr(r -> r.update());
    apply(clusterRole(name));
    apply(
        new ClusterRoleBindingBuilder()
            .withMetadata(meta(name, null))
            .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
            .withSubjects(subject(name))
            .build());
    apply(role(name));
    apply(
        new RoleBindingBuilder()
            .withMetadata(meta(name, namespace))
            .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
            .withSubjects(subject(name))
            .build());
    heartbeatLease();
    TokenRequest request =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
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
   * Deletes the host's ServiceAccount, roles and bindings: its rights go at once, and its tokens
   * stop authenticating once the API server's token cache forgets them (bound tokens name the
   * ServiceAccount's UID, so a new identity of the same name does not revive them). The heartbeat
   * Lease stays, so the operator keeps judging the host by it.
   */
  public void revoke() {
    String name = identityName(host);
    admin.rbac().clusterRoleBindings().withName(name).delete();
    admin.rbac().clusterRoles().withName(name).delete();
    admin.rbac().roleBindings().inNamespace(namespace).withName(name).delete();
    admin.rbac().roles().inNamespace(namespace).withName(name).delete();
    admin.serviceAccounts().inNamespace(namespace).withName(name).delete();
  }

  private ClusterRole clusterRole(String name) {
    return new ClusterRoleBuilder()
        .withMetadata(meta(name, null))
        .withRules(
            // what the host needs to know of the fleet: its peers, the VMs placed on it and what
            // they are made of
            rule(
                List.of("vmhosts", "virtualmachines", "storagerepositories", "vmtemplates"),
                List.of(),
                "get",
                "list",
                "watch"),
            // its own report, and only its own (the admission policy narrows it to `reported`)
            rule(List.of("vmhosts/status"), List.of(host), "patch"))
        .build();
  }

  private Role role(String name) {
    return new RoleBuilder()
        .withMetadata(meta(name, namespace))
        .withRules(
            new PolicyRuleBuilder()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withResourceNames(VmhaApi.hostLeaseName(host), VmhaApi.SPM_LEASE)
                .withVerbs("get", "list", "watch", "patch", "update")
                .build(),
            new PolicyRuleBuilder()
                .withApiGroups("")
                .withResources("configmaps")
                .withResourceNames("vmha-settings")
                .withVerbs("get")
                .build())
        .build();
  }

  private PolicyRule rule(List<String> resources, List<String> names, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(VmhaApi.GROUP)
        .withResources(resources)
        .withResourceNames(names)
        .withVerbs(verbs)
        .build();
  }

  /**
   * Pre-created here because RBAC cannot limit {@code create} to a name: the agent may only renew
   * it.
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

  private void apply(HasMetadata object) {
    admin.resource(object).createOr(r -> r.update());
  }

  private io.fabric8.kubernetes.api.model.rbac.Subject subject(String name) {
    return new SubjectBuilder()
        .withKind("ServiceAccount")
        .withName(name)
        .withNamespace(namespace)
        .build();
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
