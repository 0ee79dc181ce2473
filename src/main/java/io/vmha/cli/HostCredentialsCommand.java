package io.vmha.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.kube.HostCredentials;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmha host-credentials}: what one host's agent needs to talk to the API server, and nothing
 * of any other host's. Run by a cluster admin; prints the agent's kubeconfig.
 */
@Command(
    name = "host-credentials",
    mixinStandardHelpOptions = true,
    description = {
      "Create (or bring back) host NAME's own identity - ServiceAccount vmha-host-NAME in the"
          + " hosts' identity namespace, whose writes the chart's admission policies narrow to its"
          + " VmHost's report, its heartbeat Lease and the SPM Lease while it holds it - and print"
          + " a kubeconfig with a token for it. Run it again to rotate the token; --revoke deletes"
          + " the identity: its tokens, and with them its rights, stop working within seconds."
    })
public final class HostCredentialsCommand implements Callable<Integer> {
  // a VmHost name is a DNS subdomain; the ServiceAccount named after it must be one too
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--host", required = true, description = "The VmHost's name.")
  String host;

  @Option(
      names = "--namespace",
      defaultValue = "${env:VMHA_NAMESPACE:-vmha-system}",
      description =
          "The operator's namespace (the Helm release's), where the Leases live (default ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--identity-namespace",
      description =
          "Where the hosts' ServiceAccounts are: the chart's agent.identityNamespace (default: the"
              + " operator's namespace followed by -hosts).")
  String identityNamespace;

  @Option(
      names = "--duration",
      defaultValue = "8760h",
      description =
          "How long the token is valid (default ${DEFAULT-VALUE}; the API server may cap it). An"
              + " agent whose token expires is refused and fences: rotate before.")
  Duration duration;

  @Option(names = "--revoke", description = "Delete the host's identity instead (see above).")
  boolean revoke;

  @Override
  public Integer call() {
    String identity = HostCredentials.identityName(host);
    if (identity.length() > 253 || !DNS_SUBDOMAIN.matcher(host).matches()) {
      spec.commandLine()
          .getErr()
          .println(
              "vmha host-credentials: --host must be a VmHost name (a DNS subdomain), was " + host);
      return 2;
    }
    if (duration.toSeconds() < 600) {
      spec.commandLine()
          .getErr()
          .println(
              "vmha host-credentials: --duration must be at least 10m (the API server's minimum)");
      return 2;
    }
    String identities =
        identityNamespace != null
            ? identityNamespace
            : HostCredentials.defaultIdentityNamespace(namespace);
    try (KubernetesClient admin = new KubernetesClientBuilder().build()) {
      HostCredentials credentials = new HostCredentials(admin, namespace, identities, host);
      if (revoke) {
        credentials.revoke();
        spec.commandLine()
            .getErr()
            .println(
                "vmha host-credentials: revoked " + HostCredentials.username(identities, host));
        return 0;
      }
      spec.commandLine().getOut().print(credentials.issue(duration));
      spec.commandLine().getOut().flush();
      return 0;
    } catch (KubernetesClientException e) {
      spec.commandLine()
          .getErr()
          .println(
              "vmha host-credentials: the API server refused ("
                  + e.getCode()
                  + "): "
                  + e.getMessage());
      return 1;
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("vmha host-credentials: " + e.getMessage());
      return 1;
    }
  }
}
