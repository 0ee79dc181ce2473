package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.vmha.api.VmHost;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An informer's cache that holds what it was given and never changes, for tests that hand the fleet
 * loop its caches themselves.
 */
final class ListedCache<T extends HasMetadata> implements Cache<T> {
  private final List<T> items;

  @SafeVarargs
  ListedCache(T... items) {
    this.items = List.of(items);
  }

  /** Gives the fleet loop every cache, empty but for these hosts. */
  static void lend(FleetCaches caches, VmHost... hosts) {
    caches.hosts = new ListedCache<>(hosts);
    caches.repositories = new ListedCache<>();
    caches.templates = new ListedCache<>();
    caches.vms = new ListedCache<>();
    caches.operatorLeases = new ListedCache<>();
    caches.guestLeases = new ListedCache<>();
  }

  @Override
  public Optional<T> get(ResourceID id) {
    return items.stream().filter(item -> ResourceID.fromResource(item).equals(id)).findFirst();
  }

  @Override
  public Stream<ResourceID> keys() {
    return items.stream().map(ResourceID::fromResource);
  }

  @Override
  public Stream<T> list(Predicate<T> predicate) {
    return items.stream().filter(predicate);
  }
}
