package io.vmha.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * A {@code StorageRepository}.
 *
 * @param hostSelector labels a host must have to use a shared repository; empty means every host
 * @param localHost the one host a local repository lives on; null for shared repositories
 */
public record RepositoryView(
    String name, RepositoryType type, Map<String, String> hostSelector, String localHost) {
  public RepositoryView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    hostSelector = hostSelector == null ? Map.of() : Map.copyOf(hostSelector);
  }

  public static RepositoryView shared(String name) {
    return new RepositoryView(name, RepositoryType.Shared, Map.of(), null);
  }

  public static RepositoryView local(String name, String host) {
    return new RepositoryView(name, RepositoryType.Local, Map.of(), host);
  }
}
