package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Bad input to {@code vmha host-credentials} is refused before anything touches the cluster, and a
 * cluster not ready for host identities is named, with nothing made in it.
 */
@EnableKubernetesMockClient(crud = true)
class HostCredentialsCommandTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  private static String refused(String... args) {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    String[] full = new String[args.length + 1];
    full[0] = "host-credentials";
    System.arraycopy(args, 0, full, 1, args.length);
    assertThat(cli.execute(full)).as("exit code").isEqualTo(2);
    return err.toString();
  }

  @Test
  void refusesAHostNameThatCannotNameAServiceAccount() {
    assertThat(refused("--host=Hv_01")).contains("--host must be a VmHost name");
    assertThat(refused("--host=" + "a".repeat(250))).contains("--host must be a VmHost name");
  }

  @Test
  void refusesATokenShorterThanTheApiServerIssues() {
    assertThat(refused("--host=hv-01", "--duration=5m")).contains("at least 10m");
  }

  @Test
  void needsAHost() {
    assertThat(refused()).contains("--host");
  }

  /**
   * Without the hosts' identity namespace (the chart not installed, or installed with another
   * agent.identityNamespace) the command says what is missing and makes nothing: a ServiceAccount
   * elsewhere would have no rights, and its agent would fence on its first renewal.
   */
  @Test
  void namesAMissingIdentityNamespaceAndMakesNothing() {
    // the command builds its client as kubectl would, from the environment: point it here
    Map<String, String> here =
        Map.of(
            "kubernetes.master", client.getMasterUrl().toString(),
            "kubernetes.trust.certificates", "true",
            "kubernetes.auth.tryKubeConfig", "false",
            "kubernetes.auth.tryServiceAccount", "false");
    here.forEach(System::setProperty);
    try {
      CommandLine cli = VmhaCommand.commandLine();
      StringWriter err = new StringWriter();
      StringWriter out = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      cli.setOut(new PrintWriter(out, true));
      int code = cli.execute("host-credentials", "--host=hv-01", "--namespace=vmha-system");
      assertThat(code).as("exit code").isEqualTo(1);
      assertThat(err.toString())
          .contains("namespace vmha-system-hosts does not exist")
          .contains("install the chart first");
      assertThat(out.toString()).as("no kubeconfig").isEmpty();
      assertThat(client.serviceAccounts().inAnyNamespace().list().getItems()).isEmpty();
      assertThat(client.leases().inAnyNamespace().list().getItems()).isEmpty();
    } finally {
      here.keySet().forEach(System::clearProperty);
    }
  }
}
