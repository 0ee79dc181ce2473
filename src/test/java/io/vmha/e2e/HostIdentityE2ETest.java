package io.vmha.e2e;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import io.vmha.kube.HostCredentials;
import io.vmha.testbed.AgentProcess;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One identity per host, as a user sets it up: the chart installed with {@code helm install}, a
 * kubeconfig per host from {@code vmha host-credentials}, and the real {@code vmha agent} processes
 * running with them. A host's credential does its own host's work and nothing of any other's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostIdentityE2ETest {
  static final String NS = ChartedFleet.NAMESPACE;
  static final String HOSTS = HostCredentials.defaultIdentityNamespace(NS);
  static final String APPS = "apps";
  static ChartedFleet fleet;

  @BeforeAll
  static void install() throws Exception {
    fleet = ChartedFleet.install();
    fleet.api.createNamespace(APPS);
    fleet.apply(
        null,
        """
        apiVersion: vmha.io/v1alpha1
        kind: StorageRepository
        metadata: {name: id-nfs}
        spec: {type: Shared, url: "nfs://filer/export", mountPath: /var/lib/vmha/repositories/id-nfs}
        """);
    for (String host : List.of("id-a", "id-b", "id-c")) {
      fleet.apply(
          null,
          """
          apiVersion: vmha.io/v1alpha1
          kind: VmHost
          metadata: {name: %s}
          spec: {capacity: {cpus: 8, memoryMiB: 16384}}
          """
              .formatted(host));
      fleet.agent(host);
    }
    for (int i = 1; i <= 4; i++) {
      fleet.apply(
          APPS,
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: vm-%d}
          spec:
            image: {repository: id-nfs, path: images/vm-%d.qcow2}
            cpus: 1
            memoryMiB: 1024
            highAvailability: {enabled: true, priority: High}
          """
              .formatted(i, i));
    }
  }

  @AfterAll
  static void uninstall() {
    if (fleet != null) {
      fleet.close();
    }
  }

  /** The shipped agent, under its own identity and the chart's policies, does a host's work. */
  @Test
  void everyHostComesUpAndRunsVmsUnderItsOwnIdentity() {
    eventually(
        Duration.ofSeconds(90),
        () -> {
          for (String host : List.of("id-a", "id-b", "id-c")) {
            assertThat(host(host).getStatus().getPhase()).as(host).isEqualTo("Up");
          }
          for (int i = 1; i <= 4; i++) {
            assertThat(vm("vm-" + i).getStatus().getPhase()).isEqualTo("Running");
          }
          assertThat(spmHolder()).isNotNull();
        });
    fleet.assertAgentsHealthy();
  }

  /**
   * With host A's credential, everything of another host's, of the operator's or outside the
   * release namespace is refused; the same on A's own objects is allowed.
   */
  @Test
  void aHostsCredentialIsRefusedEverythingButItsOwnHostsWork() throws Exception {
    eventually(Duration.ofSeconds(90), () -> assertThat(spmHolder()).isNotNull());
    String holder = spmHolder();
    String b = holder; // B holds the SPM Lease, A does not
    String a = holder.equals("id-a") ? "id-b" : "id-a";
    KubernetesClient asA = fleet.hostClient(a);
    KubernetesClient asB = fleet.hostClient(b);

    // its own: its report, its heartbeat as its own holder
    patchStatus(asA, a, "{\"status\":{\"reported\":{\"agentVersion\":\"probe\"}}}");
    patchLease(asA, VmhaApi.hostLeaseName(a), "{\"spec\":{\"holderIdentity\":\"" + a + "\"}}");

    refused(() -> patchStatus(asA, b, "{\"status\":{\"reported\":{\"instances\":[]}}}"));
    refused(
        () ->
            patchLease(
                asA, VmhaApi.hostLeaseName(b), "{\"spec\":{\"holderIdentity\":\"" + b + "\"}}"));
    refused(
        () -> patchLease(asA, "vmha-operator", "{\"spec\":{\"holderIdentity\":\"" + a + "\"}}"));
    refused(
        () -> patchLease(asA, VmhaApi.SPM_LEASE, "{\"spec\":{\"holderIdentity\":\"" + a + "\"}}"));
    refused(
        () ->
            asA.leases()
                .inNamespace("kube-system")
                .resource(
                    new LeaseBuilder()
                        .withNewMetadata()
                        .withName("vmha-probe")
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity(a)
                        .endSpec()
                        .build())
                .create());
    refused(() -> asA.secrets().inNamespace(NS).list());
    refused(
        () ->
            asA.resources(VirtualMachine.class)
                .inNamespace(APPS)
                .withName("vm-1")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"cpus\":7}}"));
    refused(() -> asA.resources(VmHost.class).withName(a).delete());
    // what RBAC would let through on its own objects, the admission policies refuse
    eventually(
        () ->
            refused(
                () ->
                    patchLease(
                        asA,
                        VmhaApi.hostLeaseName(a),
                        "{\"spec\":{\"holderIdentity\":\"" + b + "\"}}")));
    eventually(
        () -> refused(() -> patchStatus(asA, a, "{\"status\":{\"phase\":\"Maintenance\"}}")));
    refused(() -> patchStatus(asA, a, "{\"status\":{\"selfFenceAcknowledged\":true}}"));
    // the SPM holder renews it, and may not hand it to another host
    patchLease(asB, VmhaApi.SPM_LEASE, "{\"spec\":{\"renewTime\":\"" + now() + "\"}}");
    refused(
        () -> patchLease(asB, VmhaApi.SPM_LEASE, "{\"spec\":{\"holderIdentity\":\"" + a + "\"}}"));
    refused(() -> patchLease(asB, VmhaApi.SPM_LEASE, "{\"spec\":{\"leaseDurationSeconds\":3600}}"));
    assertThat(spmHolder()).isEqualTo(b);
    fleet.assertAgentsHealthy();
  }

  /**
   * What a platform team checks with kubectl, for two host identities: {@code auth can-i} (RBAC)
   * shows the hosts' shared role, and a server-side dry run, which the admission policies see,
   * shows each host its own objects only.
   */
  @Test
  void kubectlShowsEachHostItsOwnObjectsOnly() {
    for (String[] pair : new String[][] {{"id-a", "id-b"}, {"id-b", "id-a"}}) {
      String me = HostCredentials.username(HOSTS, pair[0]);
      String mine = pair[0];
      String other = pair[1];
      assertThat(canI(me, "patch", "vmhosts.vmha.io/" + other, "--subresource=status")).isTrue();
      assertThat(canI(me, "patch", "vmhosts.vmha.io/" + mine)).as("its spec").isFalse();
      assertThat(canI(me, "create", "leases", "-n", NS)).isFalse();
      assertThat(canI(me, "delete", "leases/" + VmhaApi.hostLeaseName(mine), "-n", NS)).isFalse();
      assertThat(canI(me, "create", "leases", "-n", "kube-system")).isFalse();
      assertThat(canI(me, "get", "secrets", "-n", NS)).isFalse();
      assertThat(canI(me, "patch", "virtualmachines.vmha.io", "-n", APPS)).isFalse();
      assertThat(canI(me, "list", "virtualmachines.vmha.io", "-n", APPS)).isTrue();

      String report = "{\"status\":{\"reported\":{\"agentVersion\":\"dry-run\"}}}";
      assertThat(dryRun(me, "vmhost", mine, "--subresource=status", "-p", report)).isTrue();
      assertThat(dryRun(me, "vmhost", other, "--subresource=status", "-p", report)).isFalse();
      String holder = "{\"spec\":{\"holderIdentity\":\"" + mine + "\"}}";
      assertThat(dryRun(me, "lease", VmhaApi.hostLeaseName(mine), "-n", NS, "-p", holder)).isTrue();
      assertThat(dryRun(me, "lease", VmhaApi.hostLeaseName(other), "-n", NS, "-p", holder))
          .isFalse();
      assertThat(dryRun(me, "lease", "vmha-operator", "-n", NS, "-p", holder)).isFalse();
    }
  }

  /**
   * Every ServiceAccount of the identity namespace has the hosts' role, so one that is not a host
   * identity (made there by mistake, or a namespace's {@code default}) must write nothing: not a
   * report, not a heartbeat.
   */
  @Test
  void anotherIdentityOfTheHostsNamespaceWritesNothing() throws Exception {
    fleet
        .api
        .admin()
        .serviceAccounts()
        .inNamespace(HOSTS)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName("intruder")
                .endMetadata()
                .build())
        .createOr(r -> r.update());
    eventually(Duration.ofSeconds(90), () -> assertThat(spmHolder()).isNotNull());
    KubernetesClient intruder = fleet.api.clientAs(HOSTS, "intruder");
    assertThat(intruder.resources(VmHost.class).list().getItems()).isNotEmpty();
    eventually(
        () ->
            refused(
                () ->
                    patchStatus(
                        intruder, "id-a", "{\"status\":{\"reported\":{\"instances\":[]}}}")));
    refused(
        () ->
            patchLease(
                intruder,
                VmhaApi.hostLeaseName("id-a"),
                "{\"spec\":{\"renewTime\":\"" + now() + "\"}}"));
    refused(
        () ->
            patchLease(
                intruder, VmhaApi.SPM_LEASE, "{\"spec\":{\"renewTime\":\"" + now() + "\"}}"));
  }

  /**
   * {@code host-credentials} makes a ServiceAccount per host and no role or binding: the API server
   * walks every binding on every request, so a binding per host would cost the fleet's every
   * request a step per host.
   */
  @Test
  void hostCredentialsMakeNoRoleOrBindingPerHost() {
    KubernetesClient admin = fleet.api.admin();
    String managed = "app.kubernetes.io/managed-by";
    assertThat(
            admin
                .serviceAccounts()
                .inNamespace(HOSTS)
                .withLabel(managed, "vmha-host-credentials")
                .list()
                .getItems())
        .extracting(a -> a.getMetadata().getName())
        .contains("vmha-host-id-a", "vmha-host-id-b");
    String value = "vmha-host-credentials";
    List<List<? extends io.fabric8.kubernetes.api.model.HasMetadata>> perHost =
        List.of(
            admin.rbac().clusterRoleBindings().withLabel(managed, value).list().getItems(),
            admin.rbac().clusterRoles().withLabel(managed, value).list().getItems(),
            admin
                .rbac()
                .roleBindings()
                .inAnyNamespace()
                .withLabel(managed, value)
                .list()
                .getItems(),
            admin.rbac().roles().inAnyNamespace().withLabel(managed, value).list().getItems());
    assertThat(perHost).allSatisfy(objects -> assertThat(objects).isEmpty());
  }

  /**
   * Running host-credentials again rotates the token (old and new both work until the old one
   * expires); --revoke deletes its ServiceAccount, and once the API server's token cache forgets
   * its tokens they authenticate no more, and its rights go with them; its agent, refused, says so
   * and fences: its VMs stop there and run elsewhere. A new identity of the same name does not
   * revive old tokens.
   */
  @Test
  @Order(Integer.MAX_VALUE - 1) // id-c is revoked by it
  void rotationIssuesANewTokenAndRevocationFencesTheHost() throws Exception {
    // two VMs that only id-c may run until id-a joins their rack
    labelHost("id-c", "r1");
    for (String name : List.of("pinned-1", "pinned-2")) {
      fleet.apply(
          APPS,
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s}
          spec:
            image: {repository: id-nfs, path: images/%s.qcow2}
            cpus: 1
            memoryMiB: 1024
            highAvailability: {enabled: true, priority: High}
            hostSelector: {rack: r1}
          """
              .formatted(name, name));
    }
    AgentProcess agentOfC = fleet.agent("id-c");
    eventually(
        Duration.ofSeconds(90),
        () -> {
          for (String name : List.of("pinned-1", "pinned-2")) {
            assertThat(vm(name).getStatus().getHost()).isEqualTo("id-c");
            assertThat(vm(name).getStatus().getPhase()).isEqualTo("Running");
          }
          assertThat(agentOfC.runningVms()).contains(APPS + "/pinned-1", APPS + "/pinned-2");
        });
    labelHost("id-a", "r1");

    KubernetesClient before = ChartedFleet.clientFor(fleet.hostCredentials("id-c"));
    KubernetesClient rotated = ChartedFleet.clientFor(fleet.hostCredentials("id-c"));
    assertThat(ownLease(before)).isNotNull();
    assertThat(ownLease(rotated)).isNotNull();

    long mark = agentOfC.logMark();
    long revokedAt = System.nanoTime();
    fleet.hostCredentials("id-c", "--revoke");
    eventually(
        Duration.ofSeconds(30),
        () ->
            assertThat(agentOfC.logSince(mark))
                .contains("the API server refuses this agent's credential")
                .contains("self-fencing"));
    assertThat(agentOfC.metrics())
        .containsPattern(
            "vmha_agent_heartbeat_renewals_total\\{host=\"id-c\",outcome=\"credential_refused\"\\}"
                + " [1-9]");
    eventually(
        Duration.ofSeconds(30),
        () ->
            assertThat(agentOfC.runningVms())
                .doesNotContain(APPS + "/pinned-1", APPS + "/pinned-2"));
    long fencedAfter = Duration.ofNanos(System.nanoTime() - revokedAt).toMillis();
    eventually(
        Duration.ofSeconds(60),
        () -> {
          for (String name : List.of("pinned-1", "pinned-2")) {
            assertThat(vm(name).getStatus().getPhase()).isEqualTo("Running");
            assertThat(vm(name).getStatus().getHost()).isEqualTo("id-a");
          }
        });
    System.out.printf(
        "revoked id-c: its VMs stopped there after %d ms, running on id-a after %d ms%n",
        fencedAfter, Duration.ofNanos(System.nanoTime() - revokedAt).toMillis());
    for (KubernetesClient revoked : List.of(before, rotated)) {
      eventually(
          Duration.ofSeconds(60),
          () ->
              assertThatThrownBy(() -> ownLease(revoked))
                  .isInstanceOf(KubernetesClientException.class));
    }

    // a new identity of the same name: the new token works, the revoked ones stay refused
    KubernetesClient reissued = ChartedFleet.clientFor(fleet.hostCredentials("id-c"));
    assertThat(ownLease(reissued)).isNotNull();
    eventually(
        () ->
            assertThatThrownBy(() -> ownLease(before))
                .isInstanceOf(KubernetesClientException.class));
    Thread.sleep(12_000); // past the API server's 10 s cache of successful token reviews
    assertThatThrownBy(() -> ownLease(before)).isInstanceOf(KubernetesClientException.class);
    assertThat(ownLease(reissued)).isNotNull();
    for (KubernetesClient client : List.of(before, rotated, reissued)) {
      client.close();
    }
  }

  /**
   * Hosts set up before the identity namespace have ServiceAccount {@code vmha-host-NAME} in the
   * release namespace, with bindings of their own to the agents' rights. Under the shared role they
   * keep working, and the admission policies narrow them to their own host as they do the new ones.
   */
  @Test
  void anIdentityOfTheEarlierKindIsNarrowedToItsOwnHost() {
    KubernetesClient admin = fleet.api.admin();
    String name = "vmha-host-id-a";
    admin
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .build())
        .createOr(r -> r.update());
    var subject =
        new io.fabric8.kubernetes.api.model.rbac.SubjectBuilder()
            .withKind("ServiceAccount")
            .withName(name)
            .withNamespace(NS)
            .build();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("earlier-" + name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "vmha-agent")
                .withSubjects(subject)
                .build())
        .createOr(r -> r.update());
    admin
        .rbac()
        .roleBindings()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
                .withNewMetadata()
                .withName("earlier-" + name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "vmha-agent")
                .withSubjects(subject)
                .build())
        .createOr(r -> r.update());
    String me = HostCredentials.username(NS, "id-a");
    eventually(
        () ->
            assertThat(canI(me, "patch", "leases/" + VmhaApi.hostLeaseName("id-a"), "-n", NS))
                .isTrue());
    String report = "{\"status\":{\"reported\":{\"agentVersion\":\"dry-run\"}}}";
    assertThat(dryRun(me, "vmhost", "id-a", "--subresource=status", "-p", report)).isTrue();
    assertThat(dryRun(me, "vmhost", "id-b", "--subresource=status", "-p", report)).isFalse();
    String holder = "{\"spec\":{\"holderIdentity\":\"id-a\"}}";
    assertThat(dryRun(me, "lease", VmhaApi.hostLeaseName("id-a"), "-n", NS, "-p", holder)).isTrue();
    assertThat(dryRun(me, "lease", VmhaApi.hostLeaseName("id-b"), "-n", NS, "-p", holder))
        .isFalse();
  }

  /**
   * {@code helm uninstall} leaves the agents their rights (the identity namespace, the shared role
   * and its bindings: without them every agent would be refused at once and fence) and the policies
   * that narrow those rights to each host's own objects (without them every host could write every
   * other's report and heartbeat). The agents keep renewing. Installing the release again adopts
   * what was kept.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void helmUninstallLeavesTheAgentsTheirRightsAndTheirLimits() {
    java.util.Map<String, java.time.ZonedDateTime> before = renewals("id-a", "id-b");
    fleet
        .api
        .helm("uninstall", ChartedFleet.RELEASE, "--namespace", NS)
        .orFail(List.of("helm uninstall"));
    for (String[] kept :
        new String[][] {
          {"namespace", HOSTS},
          {"clusterrole", "vmha-agent"},
          {"clusterrolebinding", "vmha-agent"},
          {"role", "vmha-agent", "-n", NS},
          {"rolebinding", "vmha-agent", "-n", NS},
          {"validatingadmissionpolicy", "vmha-agent-own-host-report"},
          {"validatingadmissionpolicybinding", "vmha-agent-own-host-report"},
          {"validatingadmissionpolicy", "vmha-agent-own-leases"},
          {"validatingadmissionpolicybinding", "vmha-agent-own-leases"}
        }) {
      List<String> args = new java.util.ArrayList<>(List.of("get"));
      args.addAll(List.of(kept));
      Tools.Result got = fleet.api.kubectl(args.toArray(String[]::new));
      assertThat(got.ok()).as(String.join(" ", args) + ": " + got.output()).isTrue();
    }
    String me = HostCredentials.username(HOSTS, "id-a");
    String report = "{\"status\":{\"reported\":{\"agentVersion\":\"dry-run\"}}}";
    assertThat(dryRun(me, "vmhost", "id-b", "--subresource=status", "-p", report)).isFalse();
    // the agents still renewing is the proof that uninstall left them their rights
    eventually(
        () -> {
          var now = renewals("id-a", "id-b");
          before.forEach((host, renewed) -> assertThat(now.get(host)).as(host).isAfter(renewed));
        });

    fleet
        .api
        .helm("install", ChartedFleet.RELEASE, Tools.CHART.toString(), "--namespace", NS)
        .orFail(List.of("helm install, again"));
  }

  static java.util.Map<String, java.time.ZonedDateTime> renewals(String... hosts) {
    java.util.Map<String, java.time.ZonedDateTime> renewed = new java.util.HashMap<>();
    for (String host : hosts) {
      Lease lease =
          fleet.api.admin().leases().inNamespace(NS).withName(VmhaApi.hostLeaseName(host)).get();
      renewed.put(host, lease.getSpec().getRenewTime());
    }
    return renewed;
  }

  static void labelHost(String host, String rack) {
    fleet
        .api
        .admin()
        .resources(VmHost.class)
        .withName(host)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\"rack\":\"" + rack + "\"}}}");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static boolean canI(String user, String verb, String resource, String... more) {
    List<String> args =
        new java.util.ArrayList<>(List.of("auth", "can-i", verb, resource, "--as=" + user));
    args.addAll(List.of(more));
    Tools.Result result = fleet.api.kubectl(args.toArray(String[]::new));
    String answer = result.stdout().trim();
    assertThat(answer).as(String.join(" ", args) + ": " + result.output()).isIn("yes", "no");
    return answer.equals("yes");
  }

  /**
   * {@code kubectl patch --dry-run=server} as {@code user}: whether the API server, admission
   * included, would take the merge patch; a refusal must be the admission policies'.
   */
  static boolean dryRun(String user, String... patchArgs) {
    List<String> args = new java.util.ArrayList<>(List.of("patch"));
    args.addAll(List.of(patchArgs));
    args.addAll(List.of("--type=merge", "--dry-run=server", "--as=" + user));
    Tools.Result result = fleet.api.kubectl(args.toArray(String[]::new));
    if (!result.ok()) {
      assertThat(result.output()).as(String.join(" ", args)).contains("ValidatingAdmissionPolicy");
    }
    return result.ok();
  }

  static void refused(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getCode()).as(e.getMessage()).isIn(403, 422));
  }

  static void patchStatus(KubernetesClient client, String host, String patch) {
    client
        .resources(VmHost.class)
        .withName(host)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  static void patchLease(KubernetesClient client, String name, String patch) {
    client
        .leases()
        .inNamespace(NS)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  static String now() {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
  }

  static Lease ownLease(KubernetesClient client) {
    return client.leases().inNamespace(NS).withName(VmhaApi.hostLeaseName("id-c")).get();
  }

  static String spmHolder() {
    return fleet.api.leaseHolder(NS, VmhaApi.SPM_LEASE);
  }

  static VmHost host(String name) {
    return fleet.api.admin().resources(VmHost.class).withName(name).get();
  }

  static VirtualMachine vm(String name) {
    return Objects.requireNonNull(
        fleet.api.admin().resources(VirtualMachine.class).inNamespace(APPS).withName(name).get(),
        name);
  }
}
