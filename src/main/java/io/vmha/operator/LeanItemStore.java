package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The informer store of the busy kinds (VMs, hosts) without {@code metadata.managedFields}: a real
 * API server puts them on every object, nothing in the operator reads them, and they are a large
 * part of each cached object, so a fleet of 20,000 VMs costs less heap.
 */
public class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    if (obj.getMetadata() != null
        && obj.getMetadata().getManagedFields() != null
        && !obj.getMetadata().getManagedFields().isEmpty()) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
