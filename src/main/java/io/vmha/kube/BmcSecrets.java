package io.vmha.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** The Secret a host's BMC credentials live in ({@code spec.powerManagement.redfish}). */
public final class BmcSecrets {
  public static final String USERNAME = "username";
  public static final String PASSWORD = "password";

  private BmcSecrets() {}

  public static Secret of(String namespace, String name, String username, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToStringData(USERNAME, username)
        .addToStringData(PASSWORD, password)
        .build();
  }
}
