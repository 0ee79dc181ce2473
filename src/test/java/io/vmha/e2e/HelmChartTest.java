package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmha.api.VmhaApi;
import io.vmha.cli.OperatorCommand;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Option;

/**
 * The chart as {@code helm template} renders it: least-privilege RBAC, the aggregated user roles, a
 * hardened Deployment, and every operator setting wired to the environment variable the operator
 * reads (taken from {@link OperatorCommand} itself, so a new setting without a value fails here).
 * Skips when helm is missing.
 */
class HelmChartTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> KINDS =
      List.of("vmhosts", "storagerepositories", "vmtemplates", "virtualmachines");

  /** The cluster version templates are rendered for; the chart needs 1.31 or later. */
  static final String KUBE_VERSION = "1.33.0";

  /** {@code helm template} of the chart for a cluster of {@code kubeVersion}; may fail. */
  static Tools.Result helmTemplate(String kubeVersion, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Tools.assumeHelm().toString(),
                "template",
                "vmha",
                Tools.CHART.toString(),
                "--kube-version",
                kubeVersion));
    command.addAll(List.of(args));
    return Tools.run(command, Tools.helmEnv(), java.time.Duration.ofMinutes(1));
  }

  /** The install guide's `helm template` command renders as written (#20: it did not). */
  @org.junit.jupiter.api.Test
  void theInstallGuidesHelmTemplateCommandWorksAsWritten() throws Exception {
    String guide = java.nio.file.Files.readString(Tools.PROJECT.resolve("docs/install.md"));
    java.util.regex.Matcher line =
        java.util.regex.Pattern.compile("(?m)^helm template (.*?) > vmha\\.yaml$").matcher(guide);
    org.assertj.core.api.Assertions.assertThat(line.find()).as("a helm template line").isTrue();
    List<String> command = new ArrayList<>(List.of(Tools.assumeHelm().toString(), "template"));
    for (String word : line.group(1).split("\\s+")) {
      command.add(word.equals("./helm/vmha") ? Tools.CHART.toString() : word);
    }
    Tools.Result result = Tools.run(command, Tools.helmEnv(), java.time.Duration.ofMinutes(1));
    result.orFail(command);
    org.assertj.core.api.Assertions.assertThat(result.stdout()).contains("kind: Deployment");
  }

  static List<JsonNode> render(String... setValues) {
    List<String> args = new ArrayList<>(List.of("--namespace", "vmha-system"));
    for (String value : setValues) {
      args.addAll(List.of("--set", value));
    }
    return parse(
        helmTemplate(KUBE_VERSION, args.toArray(String[]::new))
            .orFail(List.of("helm template", String.join(" ", args))));
  }

  private static List<JsonNode> parse(Tools.Result result) {
    try {
      List<JsonNode> objects = new ArrayList<>();
      try (var parser = YAML.getFactory().createParser(result.stdout())) {
        YAML.readValues(parser, JsonNode.class)
            .forEachRemaining(
                node -> {
                  if (node != null && !node.isNull() && !node.isEmpty()) {
                    objects.add(node);
                  }
                });
      }
      return objects;
    } catch (IOException e) {
      throw new AssertionError("helm template printed something that is not YAML", e);
    }
  }

  static JsonNode find(List<JsonNode> objects, String kind, String name) {
    return objects.stream()
        .filter(
            o ->
                kind.equals(o.path("kind").asText())
                    && name.equals(o.at("/metadata/name").asText()))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no " + kind + " " + name + " in the rendered chart"));
  }

  static boolean allows(JsonNode role, String group, String resource, String verb) {
    for (JsonNode rule : role.path("rules")) {
      if (texts(rule.path("apiGroups")).contains(group)
          && texts(rule.path("resources")).contains(resource)
          && texts(rule.path("verbs")).contains(verb)
          && rule.path("resourceNames").isMissingNode()) {
        return true;
      }
    }
    return false;
  }

  static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void refusesAClusterOlderThanSelectableFields() {
    Tools.Result result = helmTemplate("1.30.9");
    assertThat(result.ok()).as("the agents' field selectors need 1.31").isFalse();
    assertThat(result.stderr()).contains("kubeVersion").contains(">=1.31.0-0");
  }

  @Test
  void agentHeartbeatsGetTheirOwnPriorityLevelUnlessTurnedOff() {
    List<JsonNode> objects = render();
    JsonNode level = find(objects, "PriorityLevelConfiguration", "vmha-agent-heartbeats");
    assertThat(level.at("/spec/type").asText()).isEqualTo("Limited");
    JsonNode agents = find(objects, "FlowSchema", "vmha-agent-heartbeats");
    assertThat(agents.at("/spec/priorityLevelConfiguration/name").asText())
        .isEqualTo("vmha-agent-heartbeats");
    assertThat(agents.at("/spec/matchingPrecedence").asInt())
        .as("before the built-in service-accounts schema")
        .isLessThan(9000);
    JsonNode rule = agents.at("/spec/rules/0");
    // every host identity (vmha-host-NAME) of the identity namespace, each its own flow
    assertThat(rule.at("/subjects/0/kind").asText()).isEqualTo("Group");
    assertThat(rule.at("/subjects/0/group/name").asText())
        .isEqualTo("system:serviceaccounts:vmha-system-hosts");
    assertThat(agents.at("/spec/distinguisherMethod/type").asText()).isEqualTo("ByUser");
    // and those made before it, in the release namespace
    assertThat(rule.at("/subjects/1/serviceAccount/name").asText()).isEqualTo("*");
    assertThat(rule.at("/subjects/1/serviceAccount/namespace").asText()).isEqualTo("vmha-system");
    assertThat(texts(rule.at("/resourceRules/0/resources"))).containsExactly("leases");
    assertThat(texts(rule.at("/resourceRules/0/namespaces"))).containsExactly("vmha-system");
    JsonNode operator = find(objects, "FlowSchema", "vmha-operator");
    assertThat(operator.at("/spec/priorityLevelConfiguration/name").asText())
        .isEqualTo("workload-high");
    assertThat(operator.at("/spec/rules/0/subjects/0/serviceAccount/name").asText())
        .isEqualTo("vmha-operator");
    assertThat(operator.at("/spec/matchingPrecedence").asInt())
        .as("the operator, also in the release namespace, matches its own schema first")
        .isLessThan(agents.at("/spec/matchingPrecedence").asInt());

    assertThat(render("priorityAndFairness.enabled=false"))
        .noneMatch(o -> o.path("kind").asText().equals("FlowSchema"))
        .noneMatch(o -> o.path("kind").asText().equals("PriorityLevelConfiguration"));
  }

  /**
   * The VM finalizer policy is off unless asked for: {@code true} installs it, {@code auto} where
   * the API server serves MutatingAdmissionPolicy v1 ({@code helm template}'s default capabilities
   * do not, a 1.36 cluster's do).
   */
  @Test
  void theVmFinalizerPolicyIsInstalledOnlyWhenAskedFor() throws IOException {
    String served = "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy";
    assertThat(parse(helmTemplate("1.36.0", "--api-versions", served).orFail(List.of("helm"))))
        .as("off by default, even where served")
        .noneMatch(o -> o.path("kind").asText().startsWith("MutatingAdmission"));
    assertThat(render("vmFinalizerAtCreation=auto"))
        .as("auto, where not served")
        .noneMatch(o -> o.path("kind").asText().startsWith("MutatingAdmission"));
    List<JsonNode> objects =
        parse(
            helmTemplate("1.36.0", "--api-versions", served, "--set", "vmFinalizerAtCreation=auto")
                .orFail(List.of("helm template")));
    JsonNode policy = find(objects, "MutatingAdmissionPolicy", "vmha-vm-finalizer");
    assertThat(texts(policy.at("/spec/matchConstraints/resourceRules/0/operations")))
        .containsExactly("CREATE");
    assertThat(texts(policy.at("/spec/matchConstraints/resourceRules/0/resources")))
        .containsExactly("virtualmachines");
    assertThat(policy.at("/spec/failurePolicy").asText())
        .as("a VM the policy could not mutate still gets the finalizer from the operator")
        .isEqualTo("Ignore");
    assertThat(policy.at("/spec/mutations/0/jsonPatch/expression").asText())
        .contains(VmhaApi.VM_FINALIZER);
    assertThat(
            find(objects, "MutatingAdmissionPolicyBinding", "vmha-vm-finalizer")
                .at("/spec/policyName")
                .asText())
        .isEqualTo("vmha-vm-finalizer");
    assertThat(render("vmFinalizerAtCreation=true"))
        .anyMatch(o -> o.path("kind").asText().equals("MutatingAdmissionPolicy"));
    Tools.Result bad = helmTemplate(KUBE_VERSION, "--set", "vmFinalizerAtCreation=sometimes");
    assertThat(bad.ok()).isFalse();
    assertThat(bad.stderr()).contains("vmFinalizerAtCreation");
  }

  @Test
  void lintIsClean() {
    List<String> command =
        List.of(Tools.assumeHelm().toString(), "lint", Tools.CHART.toString(), "--strict");
    Tools.Result lint = Tools.run(command, Tools.helmEnv(), java.time.Duration.ofMinutes(1));
    assertThat(lint.ok()).as(lint.output()).isTrue();
    assertThat(lint.output()).doesNotContain("[WARNING]").doesNotContain("[ERROR]");
  }

  @Test
  void rendersTheOperatorAndItsIdentitiesButNoMonitoringByDefault() {
    List<JsonNode> objects = render();
    assertThat(objects)
        .extracting(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText())
        .contains(
            "ServiceAccount/vmha-operator",
            "ClusterRole/vmha-operator",
            "ClusterRoleBinding/vmha-operator",
            "Role/vmha-operator",
            "RoleBinding/vmha-operator",
            "ClusterRole/vmha-guest-heartbeat",
            "Namespace/vmha-system-hosts",
            "ClusterRole/vmha-agent",
            "ClusterRoleBinding/vmha-agent",
            "Role/vmha-agent",
            "RoleBinding/vmha-agent",
            "ClusterRole/vmha-view",
            "ClusterRole/vmha-edit",
            "Deployment/vmha-operator",
            "PodDisruptionBudget/vmha-operator",
            "Service/vmha-operator-metrics")
        .noneMatch(k -> k.startsWith("ServiceMonitor/"))
        .noneMatch(
            k ->
                k.startsWith(
                    "CustomResourceDefinition/")); // crds/ is Helm's: installed, not templated
    for (JsonNode object : objects) {
      if (!object.at("/metadata/namespace").isMissingNode()) {
        assertThat(object.at("/metadata/namespace").asText()).isEqualTo("vmha-system");
      }
      assertThat(object.at("/metadata/labels/app.kubernetes.io~1managed-by").asText())
          .isEqualTo("Helm");
    }
  }

  @Test
  void noRoleUsesWildcards() {
    for (JsonNode object : render()) {
      if (object.path("kind").asText().endsWith("Role")) {
        for (JsonNode rule : object.path("rules")) {
          assertThat(texts(rule.path("verbs")))
              .as("%s", object.at("/metadata/name"))
              .doesNotContain("*");
          assertThat(texts(rule.path("resources")))
              .as("%s", object.at("/metadata/name"))
              .doesNotContain("*");
          assertThat(texts(rule.path("apiGroups")))
              .as("%s", object.at("/metadata/name"))
              .doesNotContain("*");
        }
      }
    }
  }

  @Test
  void operatorMayWriteStatusFinalizersLeasesAndEventsButNeverSpec() {
    List<JsonNode> objects = render();
    JsonNode cluster = find(objects, "ClusterRole", "vmha-operator");
    for (String kind : KINDS) {
      for (String verb : List.of("get", "list", "watch", "patch")) {
        assertThat(allows(cluster, "vmha.io", kind, verb)).as("%s %s", verb, kind).isTrue();
      }
      for (String verb : List.of("create", "update", "delete", "deletecollection")) {
        assertThat(allows(cluster, "vmha.io", kind, verb))
            .as("the operator must not %s %s", verb, kind)
            .isFalse();
      }
      assertThat(allows(cluster, "vmha.io", kind + "/status", "update")).isTrue();
      assertThat(allows(cluster, "vmha.io", kind + "/status", "patch")).isTrue();
      assertThat(allows(cluster, "vmha.io", kind + "/finalizers", "update")).isTrue();
    }
    for (String verb : List.of("get", "list", "watch")) {
      assertThat(allows(cluster, "coordination.k8s.io", "leases", verb))
          .as("%s guest leases in every namespace", verb)
          .isTrue();
    }
    assertThat(allows(cluster, "coordination.k8s.io", "leases", "create"))
        .as("lease writes only in its namespace")
        .isFalse();
    assertThat(allows(cluster, "coordination.k8s.io", "leases", "update")).isFalse();
    assertThat(allows(cluster, "events.k8s.io", "events", "create")).isTrue();
    assertThat(allows(cluster, "events.k8s.io", "events", "patch")).isTrue();

    JsonNode role = find(objects, "Role", "vmha-operator");
    // Fabric8's leader election renews its Lease with a patch; the SPM Lease is updated.
    for (String verb : List.of("get", "list", "watch", "create", "update", "patch")) {
      assertThat(allows(role, "coordination.k8s.io", "leases", verb))
          .as("%s leases in the release namespace", verb)
          .isTrue();
    }
    assertBound(
        find(objects, "ClusterRoleBinding", "vmha-operator"),
        "ClusterRole",
        "vmha-operator",
        "vmha-operator");
    assertBound(
        find(objects, "RoleBinding", "vmha-operator"), "Role", "vmha-operator", "vmha-operator");
  }

  /**
   * Every host agent's rights are one role bound to the group of the identity namespace, as
   * kubelets' are bound to {@code system:nodes}: {@code vmha host-credentials} makes only a
   * ServiceAccount there, no binding per host (each would cost the API server a step on every
   * request of the fleet). The role holds what a host needs and nothing it could harm others with
   * beyond what the admission policies narrow; the chart binds nothing else but the operator.
   */
  @Test
  void hostAgentsShareOneRoleBoundToTheirNamespacesGroup() {
    List<JsonNode> objects = render();
    String group = "system:serviceaccounts:vmha-system-hosts";
    for (String kind : List.of("ClusterRoleBinding", "RoleBinding")) {
      JsonNode binding = find(objects, kind, "vmha-agent");
      assertThat(binding.at("/subjects")).hasSize(1);
      assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("Group");
      assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(group);
      assertThat(binding.at("/roleRef/name").asText()).isEqualTo("vmha-agent");
    }
    assertThat(find(objects, "RoleBinding", "vmha-agent").at("/metadata/namespace").asText())
        .isEqualTo("vmha-system");
    assertThat(objects)
        .filteredOn(o -> o.path("kind").asText().endsWith("Binding"))
        .filteredOn(o -> o.path("apiVersion").asText().startsWith("rbac."))
        .filteredOn(o -> !o.at("/metadata/name").asText().equals("vmha-agent"))
        .allSatisfy(
            binding -> {
              assertThat(binding.at("/subjects")).hasSize(1);
              assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("vmha-operator");
            });
    JsonNode fleet = find(objects, "ClusterRole", "vmha-agent");
    for (String kind : KINDS) {
      assertThat(allows(fleet, "vmha.io", kind, "watch")).as(kind).isTrue();
      for (String verb : List.of("create", "update", "patch", "delete")) {
        assertThat(allows(fleet, "vmha.io", kind, verb)).as(verb + " " + kind).isFalse();
      }
    }
    assertThat(allows(fleet, "vmha.io", "vmhosts/status", "patch")).isTrue();
    assertThat(allows(fleet, "vmha.io", "virtualmachines/status", "patch")).isFalse();
    JsonNode leases = find(objects, "Role", "vmha-agent");
    assertThat(allows(leases, "coordination.k8s.io", "leases", "update")).isTrue();
    assertThat(allows(leases, "coordination.k8s.io", "leases", "create")).isFalse();
    assertThat(allows(leases, "coordination.k8s.io", "leases", "delete")).isFalse();
    assertThat(allows(leases, "", "secrets", "get")).isFalse();
    // `helm uninstall` must not take every agent's rights at once: all of them would fence
    for (JsonNode kept :
        List.of(
            fleet,
            leases,
            find(objects, "ClusterRoleBinding", "vmha-agent"),
            find(objects, "RoleBinding", "vmha-agent"),
            find(objects, "Namespace", "vmha-system-hosts"),
            // and what narrows that role to each host's own objects, or every host could write
            // every other's report once the release is gone
            find(objects, "ValidatingAdmissionPolicy", "vmha-agent-own-host-report"),
            find(objects, "ValidatingAdmissionPolicyBinding", "vmha-agent-own-host-report"),
            find(objects, "ValidatingAdmissionPolicy", "vmha-agent-own-leases"),
            find(objects, "ValidatingAdmissionPolicyBinding", "vmha-agent-own-leases"))) {
      assertThat(kept.at("/metadata/annotations/helm.sh~1resource-policy").asText())
          .isEqualTo("keep");
    }
    assertThat(objects)
        .filteredOn(o -> o.path("kind").asText().equals("ServiceAccount"))
        .extracting(o -> o.at("/metadata/name").asText())
        .containsExactly("vmha-operator");
    JsonNode guests = find(objects, "ClusterRole", "vmha-guest-heartbeat");
    assertThat(allows(guests, "coordination.k8s.io", "leases", "update")).isTrue();
    assertThat(allows(guests, "vmha.io", "vmhosts/status", "patch")).isFalse();
    assertThat(render("agent.guestHeartbeatRole=false"))
        .noneMatch(o -> o.at("/metadata/name").asText().equals("vmha-guest-heartbeat"));
  }

  /**
   * The identity namespace can be named; the role's bindings, the heartbeat FlowSchema and the
   * admission policies follow it, and the chart can leave making it to the admin.
   */
  @Test
  void theIdentityNamespaceCanBeNamedAndMadeByTheAdmin() {
    List<JsonNode> objects =
        render("agent.identityNamespace=fleet-ids", "agent.createIdentityNamespace=false");
    assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("Namespace"));
    assertThat(find(objects, "ClusterRoleBinding", "vmha-agent").at("/subjects/0/name").asText())
        .isEqualTo("system:serviceaccounts:fleet-ids");
    assertThat(
            find(objects, "FlowSchema", "vmha-agent-heartbeats")
                .at("/spec/rules/0/subjects/0/group/name")
                .asText())
        .isEqualTo("system:serviceaccounts:fleet-ids");
    JsonNode policy = find(objects, "ValidatingAdmissionPolicy", "vmha-agent-own-leases");
    assertThat(policy.at("/spec/matchConditions/0/expression").asText())
        .contains("system:serviceaccount:fleet-ids:vmha-host-")
        .contains("system:serviceaccounts:fleet-ids");
    Tools.Result refused =
        helmTemplate(
            KUBE_VERSION, "--namespace", "vmha-system", "--set", "agent.admissionPolicy=false");
    assertThat(refused.ok())
        .as("the shared role relies on the admission policies: they cannot be turned off")
        .isFalse();
    Tools.Result shared =
        helmTemplate(
            KUBE_VERSION,
            "--namespace",
            "vmha-system",
            "--set",
            "agent.identityNamespace=vmha-system");
    assertThat(shared.ok()).as("the operator's ServiceAccount would get the hosts' role").isFalse();
    assertThat(shared.stderr())
        .contains("agent.identityNamespace must not be the release namespace");
  }

  /**
   * The host-report policy is an allow-list of one field: it must name every other status field of
   * the VmHost CRD as the operator's, so a field added to the CRD cannot slip past it.
   */
  @Test
  void theHostReportPolicyKeepsEveryStatusFieldButReportedForTheOperator() throws IOException {
    JsonNode policy = find(render(), "ValidatingAdmissionPolicy", "vmha-agent-own-host-report");
    Set<String> guarded = new TreeSet<>();
    java.util.regex.Pattern field =
        java.util.regex.Pattern.compile("object\\.status\\.(\\w+) == oldObject");
    for (JsonNode validation : policy.at("/spec/validations")) {
      var matcher = field.matcher(validation.path("expression").asText());
      if (matcher.find()) {
        guarded.add(matcher.group(1));
      }
    }
    JsonNode crd =
        new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(Tools.PROJECT.resolve("crds/vmhosts.vmha.io.yaml").toFile());
    Set<String> statusFields = new TreeSet<>();
    crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties")
        .fieldNames()
        .forEachRemaining(statusFields::add);
    statusFields.remove("reported");
    assertThat(guarded).isEqualTo(statusFields);
    assertThat(policy.at("/spec/matchConditions/0/expression").asText())
        .contains("system:serviceaccount:vmha-system-hosts:vmha-host-")
        .contains("system:serviceaccounts:vmha-system-hosts");
  }

  /**
   * A policy converts every request it matches before it asks who sends it: the host policies match
   * only what the agents' role lets them write, so the operator's VM writes (three per VM placed)
   * and guest heartbeats in VM namespaces pay nothing for them.
   */
  @Test
  void theHostPoliciesMatchOnlyWhatTheAgentsRoleLetsThemWrite() {
    List<JsonNode> objects = render();
    JsonNode report = find(objects, "ValidatingAdmissionPolicy", "vmha-agent-own-host-report");
    assertThat(texts(report.at("/spec/matchConstraints/resourceRules/0/resources")))
        .containsExactlyInAnyOrder("vmhosts", "vmhosts/status");
    JsonNode leases = find(objects, "ValidatingAdmissionPolicy", "vmha-agent-own-leases");
    assertThat(
            leases
                .at("/spec/matchConstraints/namespaceSelector/matchLabels")
                .path("kubernetes.io/metadata.name")
                .asText())
        .isEqualTo("vmha-system");
    JsonNode role = find(objects, "ClusterRole", "vmha-agent");
    for (String kind : KINDS) {
      if (!kind.equals("vmhosts")) {
        assertThat(allows(role, "vmha.io", kind + "/status", "patch")).as(kind).isFalse();
      }
    }
  }

  private static void assertBound(
      JsonNode binding, String roleKind, String role, String serviceAccount) {
    assertThat(binding.at("/roleRef/kind").asText()).isEqualTo(roleKind);
    assertThat(binding.at("/roleRef/name").asText()).isEqualTo(role);
    assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("ServiceAccount");
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(serviceAccount);
    assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("vmha-system");
  }

  @Test
  void aggregatedRolesGiveNamespaceUsersVmsAndTemplatesOnly() {
    List<JsonNode> objects = render();
    JsonNode view = find(objects, "ClusterRole", "vmha-view");
    assertThat(view.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-view").asText())
        .isEqualTo("true");
    for (String kind : KINDS) {
      for (String verb : List.of("get", "list", "watch")) {
        assertThat(allows(view, "vmha.io", kind, verb)).isTrue();
      }
      for (String verb : List.of("create", "update", "patch", "delete")) {
        assertThat(allows(view, "vmha.io", kind, verb)).isFalse();
      }
    }
    JsonNode edit = find(objects, "ClusterRole", "vmha-edit");
    assertThat(edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-edit").asText())
        .isEqualTo("true");
    assertThat(edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-admin").asText())
        .isEqualTo("true");
    for (String kind : List.of("virtualmachines", "vmtemplates")) {
      for (String verb : List.of("create", "update", "patch", "delete", "deletecollection")) {
        assertThat(allows(edit, "vmha.io", kind, verb)).as("%s %s", verb, kind).isTrue();
      }
      assertThat(allows(edit, "vmha.io", kind + "/status", "update"))
          .as("status is the operator's")
          .isFalse();
      assertThat(allows(edit, "vmha.io", kind + "/status", "patch")).isFalse();
    }
    for (String kind : List.of("vmhosts", "storagerepositories")) {
      for (String verb : List.of("create", "update", "patch", "delete")) {
        assertThat(allows(edit, "vmha.io", kind, verb))
            .as("only cluster admins %s %s", verb, kind)
            .isFalse();
      }
    }
    assertThat(render("rbac.aggregatedRoles=false"))
        .noneMatch(
            o ->
                o.at("/metadata/name").asText().equals("vmha-view")
                    || o.at("/metadata/name").asText().equals("vmha-edit"));
  }

  @Test
  void deploymentIsHardenedProbedAndElectsALeader() {
    List<JsonNode> objects = render();
    JsonNode deployment = find(objects, "Deployment", "vmha-operator");
    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
    JsonNode pod = deployment.at("/spec/template/spec");
    assertThat(pod.path("serviceAccountName").asText()).isEqualTo("vmha-operator");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    JsonNode container = pod.at("/containers/0");
    assertThat(pod.path("containers")).hasSize(1);
    assertThat(container.path("image").asText()).isEqualTo("vmha/vmha:" + appVersion());
    assertThat(texts(container.path("args"))).containsExactly("operator");
    JsonNode security = container.path("securityContext");
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(security.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(texts(security.at("/capabilities/drop"))).containsExactly("ALL");
    assertThat(security.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
    for (String resource : List.of("cpu", "memory")) {
      assertThat(container.at("/resources/requests/" + resource).asText()).isNotBlank();
      assertThat(container.at("/resources/limits/" + resource).asText()).isNotBlank();
    }
    // A read-only root file system still needs a writable /tmp for the JVM.
    assertThat(container.path("volumeMounts"))
        .anySatisfy(m -> assertThat(m.path("mountPath").asText()).isEqualTo("/tmp"));
    Map<String, JsonNode> env = env(container);
    assertThat(env.get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("metadata.name");
    assertThat(env.get("POD_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("metadata.namespace");

    JsonNode labels = deployment.at("/spec/template/metadata/labels");
    JsonNode selector = deployment.at("/spec/selector/matchLabels");
    selector
        .fields()
        .forEachRemaining(
            e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
    JsonNode pdb = find(objects, "PodDisruptionBudget", "vmha-operator");
    assertThat(pdb.at("/spec/minAvailable").asInt()).isEqualTo(1);
    assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(selector);
    JsonNode service = find(objects, "Service", "vmha-operator-metrics");
    assertThat(service.at("/spec/selector")).isEqualTo(selector);
    assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
    assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
  }

  @Test
  void aSingleReplicaGetsNoDisruptionBudgetThatWouldBlockDrains() {
    assertThat(render("replicaCount=1"))
        .noneMatch(o -> o.path("kind").asText().equals("PodDisruptionBudget"));
  }

  @Test
  void serviceMonitorScrapesMetricsWhenEnabled() {
    JsonNode monitor =
        find(
            render(
                "metrics.serviceMonitor.enabled=true",
                "metrics.serviceMonitor.labels.release=prometheus"),
            "ServiceMonitor",
            "vmha-operator");
    assertThat(monitor.at("/apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http-metrics");
  }

  /** Every {@code ${env:VAR:-default}} of {@code vmha operator}, read from the command itself. */
  static Map<String, String> operatorEnvironment() {
    Pattern env = Pattern.compile("\\$\\{env:([A-Z0-9_]+):-(.*)}");
    Map<String, String> variables = new LinkedHashMap<>();
    for (Field field : OperatorCommand.class.getDeclaredFields()) {
      Option option = field.getAnnotation(Option.class);
      if (option != null) {
        Matcher m = env.matcher(option.defaultValue());
        assertThat(m.matches())
            .as("option %s reads an environment variable", field.getName())
            .isTrue();
        variables.put(m.group(1), m.group(2));
      }
    }
    return variables;
  }

  @Test
  void everyOperatorSettingIsAnEnvironmentVariableWithTheOperatorsDefault() {
    Map<String, String> expected = operatorEnvironment();
    assertThat(expected)
        .containsKeys(
            "VMHA_HEARTBEAT_INTERVAL", "VMHA_FENCING", "VMHA_LEADER_ELECTION", "VMHA_HTTP_PORT");
    Map<String, JsonNode> env =
        env(find(render(), "Deployment", "vmha-operator").at("/spec/template/spec/containers/0"));
    for (var variable : expected.entrySet()) {
      assertThat(env).as("the chart sets %s", variable.getKey()).containsKey(variable.getKey());
      if (variable.getKey().startsWith("VMHA_")) {
        assertThat(env.get(variable.getKey()).path("value").asText())
            .as("chart default of %s", variable.getKey())
            .isEqualTo(variable.getValue());
      }
    }
  }

  /** The operator reads BMC credentials from the Secrets it is pointed at, and from no other. */
  @Test
  void theOperatorMayReadOnlyTheBmcSecretsItIsGiven() {
    JsonNode none = find(render(), "Role", "vmha-operator");
    assertThat(none.path("rules").findValuesAsText("resources"))
        .as("no Secret rule without power fencing")
        .doesNotContain("secrets");
    assertThat(allows(find(render(), "ClusterRole", "vmha-operator"), "", "secrets", "get"))
        .isFalse();

    JsonNode role =
        find(render("powerFencing.credentialsSecrets={bmc-hv1,bmc-hv2}"), "Role", "vmha-operator");
    JsonNode rule = null;
    for (JsonNode candidate : role.path("rules")) {
      if (candidate.path("resources").toString().contains("secrets")) {
        rule = candidate;
      }
    }
    assertThat(rule).as("a rule for the BMC Secrets").isNotNull();
    assertThat(rule.path("verbs").toString()).isEqualTo("[\"get\"]");
    assertThat(rule.path("resourceNames").toString()).isEqualTo("[\"bmc-hv1\",\"bmc-hv2\"]");
  }

  @Test
  void valuesReachTheOperator() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("operator.heartbeatInterval=1s", "VMHA_HEARTBEAT_INTERVAL=1s");
    values.put("operator.hostGracePeriod=20s", "VMHA_HOST_GRACE_PERIOD=20s");
    values.put("operator.selfFenceAfter=12s", "VMHA_SELF_FENCE_AFTER=12s");
    values.put(
        "operator.maxParallelMigrationsPerHost=4", "VMHA_MAX_PARALLEL_MIGRATIONS_PER_HOST=4");
    values.put("operator.maxUnhealthyFraction=0.3", "VMHA_MAX_UNHEALTHY_FRACTION=0.3");
    values.put("operator.maxRestarts=5", "VMHA_MAX_RESTARTS=5");
    values.put("operator.restartWindow=30m", "VMHA_RESTART_WINDOW=30m");
    values.put("operator.restartBackoff=2s", "VMHA_RESTART_BACKOFF=2s");
    values.put("operator.restartBackoffMax=1m", "VMHA_RESTART_BACKOFF_MAX=1m");
    values.put("operator.fencing=None", "VMHA_FENCING=None");
    values.put("operator.reserveHosts=1", "VMHA_RESERVE_HOSTS=1");
    values.put("operator.placementPolicy=BinPacking", "VMHA_PLACEMENT_POLICY=BinPacking");
    values.put("operator.spmLeaseDuration=20s", "VMHA_SPM_LEASE_DURATION=20s");
    values.put("operator.powerFencedGracePeriod=6s", "VMHA_POWER_FENCED_GRACE_PERIOD=6s");
    values.put("operator.leaderElection=false", "VMHA_LEADER_ELECTION=false");
    values.put("operator.httpPort=9090", "VMHA_HTTP_PORT=9090");
    assertThat(values.values())
        .extracting(v -> v.split("=")[0])
        .containsExactlyInAnyOrderElementsOf(
            operatorEnvironment().keySet().stream().filter(k -> k.startsWith("VMHA_")).toList());
    JsonNode container =
        find(render(values.keySet().toArray(String[]::new)), "Deployment", "vmha-operator")
            .at("/spec/template/spec/containers/0");
    Map<String, JsonNode> env = env(container);
    for (String expected : values.values()) {
      String[] pair = expected.split("=", 2);
      assertThat(env.get(pair[0]).path("value").asText()).as(pair[0]).isEqualTo(pair[1]);
    }
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(9090);
    JsonNode image =
        find(
            render("image.repository=registry.example.com/vmha", "image.tag=1.2.3"),
            "Deployment",
            "vmha-operator");
    assertThat(image.at("/spec/template/spec/containers/0/image").asText())
        .isEqualTo("registry.example.com/vmha:1.2.3");
  }

  @Test
  void valuesSchemaRefusesWhatTheOperatorWouldRefuseAtStart() {
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put("operator.fencing=Bogus", "/operator/fencing");
    refused.put("operator.placementPolicy=Spread", "/operator/placementPolicy");
    refused.put("operator.hostGracePeriod=15", "/operator/hostGracePeriod");
    refused.put("operator.restartWindow=ten minutes", "/operator/restartWindow");
    refused.put("operator.maxUnhealthyFraction=2", "/operator/maxUnhealthyFraction");
    refused.put("operator.hostGracePeriods=15s", "hostGracePeriods");
    for (var bad : refused.entrySet()) {
      Tools.Result result = helmTemplate(KUBE_VERSION, "--set", bad.getKey());
      assertThat(result.ok()).as("helm template --set %s must fail", bad.getKey()).isFalse();
      assertThat(result.stderr()).contains("schema").contains(bad.getValue());
    }
    assertThat(
            env(find(
                        render("operator.heartbeatInterval=PT1S", "operator.restartWindow=1h"),
                        "Deployment",
                        "vmha-operator")
                    .at("/spec/template/spec/containers/0"))
                .get("VMHA_HEARTBEAT_INTERVAL")
                .path("value")
                .asText())
        .isEqualTo("PT1S");
  }

  @Test
  void readmeDescribesEveryValue() throws IOException {
    String readme = Files.readString(Tools.CHART.resolve("README.md"));
    JsonNode values = YAML.readTree(Tools.CHART.resolve("values.yaml").toFile());
    List<String> paths = new ArrayList<>();
    leaves("", values, paths);
    assertThat(paths).hasSizeGreaterThan(30);
    for (String path : paths) {
      assertThat(readme).as("helm/vmha/README.md describes `%s`", path).contains("`" + path + "`");
    }
  }

  /** Values the chart hands to Kubernetes whole (toYaml): the README describes them as one. */
  private static final Set<String> WHOLE =
      Set.of(
          "resources", "podSecurityContext", "securityContext", "livenessProbe", "readinessProbe");

  private static void leaves(String prefix, JsonNode node, List<String> paths) {
    if (node.isObject() && !node.isEmpty() && !WHOLE.contains(prefix)) {
      node.fields()
          .forEachRemaining(
              e ->
                  leaves(
                      prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                      e.getValue(),
                      paths));
    } else {
      paths.add(prefix);
    }
  }

  private static Map<String, JsonNode> env(JsonNode container) {
    Map<String, JsonNode> env = new LinkedHashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    return env;
  }

  private static String appVersion() {
    try {
      return YAML.readTree(Tools.CHART.resolve("Chart.yaml").toFile()).path("appVersion").asText();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
