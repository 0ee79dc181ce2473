package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-your-writes over the informer caches: what the operator wrote is what it plans from next,
 * even before the watch delivers it. An entry is dropped as soon as the cache holds the same or a
 * newer version (resource versions are etcd revisions, so they compare as numbers).
 */
final class OwnWrites {
  private final Map<String, HasMetadata> latest = new ConcurrentHashMap<>();

  void record(HasMetadata written) {
    if (written != null) {
      latest.merge(key(written), written, (old, now) -> newer(now, old) ? now : old);
    }
  }

  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T freshest(T cached) {
    HasMetadata written = latest.get(key(cached));
    if (written == null) {
      return cached;
    }
    if (!newer(written, cached)) {
      latest.remove(key(cached), written);
      return cached;
    }
    return (T) written;
  }

  /** Our own write of an object the cache does not have (yet), e.g. a Lease we created. */
  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T written(Class<T> type, String namespace, String name) {
    HasMetadata written = latest.get(type.getSimpleName() + "/" + namespace + "/" + name);
    return type.isInstance(written) ? (T) written : null;
  }

  void forget(HasMetadata resource) {
    latest.remove(key(resource));
  }

  private static boolean newer(HasMetadata a, HasMetadata b) {
    String ra = a.getMetadata().getResourceVersion();
    String rb = b.getMetadata().getResourceVersion();
    if (ra == null || rb == null) {
      return rb == null;
    }
    try {
      return Long.parseLong(ra) > Long.parseLong(rb);
    } catch (NumberFormatException e) {
      return !ra.equals(rb);
    }
  }

  private static String key(HasMetadata r) {
    return r.getClass().getSimpleName()
        + "/"
        + r.getMetadata().getNamespace()
        + "/"
        + r.getMetadata().getName();
  }
}
