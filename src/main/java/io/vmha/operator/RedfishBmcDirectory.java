package io.vmha.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.RedfishBmc;
import io.vmha.api.VmHost;
import io.vmha.power.BmcCredentials;
import io.vmha.power.PowerController;
import io.vmha.power.RedfishClient;
import io.vmha.power.RedfishEndpoint;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * Redfish BMCs, their credentials read from Secrets in the operator's namespace at each fence: a
 * rotated password is used at once, and the operator keeps no copy. The chart lets the operator
 * read only the Secrets it names ({@code powerFencing.credentialsSecrets}).
 */
public final class RedfishBmcDirectory implements BmcDirectory {
  private final KubernetesClient client;
  private final String namespace;
  private final Duration requestTimeout;

  public RedfishBmcDirectory(KubernetesClient client, String namespace, Duration requestTimeout) {
    this.client = client;
    this.namespace = namespace;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public PowerController open(VmHost host) throws Unusable {
    var power = host.getSpec() == null ? null : host.getSpec().getPowerManagement();
    RedfishBmc bmc = power == null ? null : power.getRedfish();
    if (bmc == null) {
      throw new Unusable("host " + host.getMetadata().getName() + " has no Redfish BMC");
    }
    BmcCredentials credentials = credentials(bmc.getCredentialsSecret());
    try {
      return new RedfishClient(
          new RedfishEndpoint(
              URI.create(bmc.getEndpoint()),
              bmc.getSystemId(),
              credentials,
              bmc.getCaBundle(),
              Boolean.TRUE.equals(bmc.getInsecure())),
          requestTimeout);
    } catch (IllegalArgumentException e) {
      throw new Unusable(e.getMessage());
    }
  }

  private BmcCredentials credentials(String secretName) throws Unusable {
    String where = "Secret " + namespace + "/" + secretName;
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new Unusable(
            "the operator may not read "
                + where
                + ": list it in the chart's powerFencing.credentialsSecrets");
      }
      throw new Unusable("cannot read " + where + ": " + e.getMessage());
    }
    if (secret == null) {
      throw new Unusable(where + " does not exist");
    }
    String username = value(secret, io.vmha.kube.BmcSecrets.USERNAME);
    String password = value(secret, io.vmha.kube.BmcSecrets.PASSWORD);
    if (username == null || username.isBlank() || password == null) {
      throw new Unusable(where + " needs the keys username and password");
    }
    return new BmcCredentials(username, password);
  }

  private static String value(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      // a Secret made from a file often ends in a newline the BMC account does not have
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8)
          .replaceFirst("\\R$", "");
    }
    Map<String, String> plain = secret.getStringData();
    return plain == null ? null : plain.get(key);
  }
}
