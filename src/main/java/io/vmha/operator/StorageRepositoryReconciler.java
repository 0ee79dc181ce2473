package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.vmha.api.StorageRepository;
import io.vmha.api.VmhaApi;
import java.util.List;

/**
 * StorageRepositorys feed placement; a change asks the fleet loop for a plan. Deleting one that VMs
 * still use waits, with {@code InUse} saying who (L3), as Kubernetes protects a PVC in use.
 */
@ControllerConfiguration(
    name = StorageRepositoryReconciler.NAME,
    finalizerName = VmhaApi.IN_USE_FINALIZER)
public class StorageRepositoryReconciler
    implements Reconciler<StorageRepository>, Cleaner<StorageRepository> {
  public static final String NAME = "storagerepository";
  private static final long IN_USE_POLL_MILLIS = 5000;
  private final FleetLoop fleet;

  public StorageRepositoryReconciler(FleetLoop fleet) {
    this.fleet = fleet;
  }

  @Override
  public List<EventSource<?, StorageRepository>> prepareEventSources(
      EventSourceContext<StorageRepository> context) {
    fleet.caches().repositories = context.getPrimaryCache();
    return List.of();
  }

  @Override
  public UpdateControl<StorageRepository> reconcile(
      StorageRepository resource, Context<StorageRepository> context) {
    fleet.requestPlan("StorageRepository " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(StorageRepository resource, Context<StorageRepository> context) {
    var users = fleet.usage().usersOfRepository(resource.getMetadata().getName());
    if (fleet.lastPlan() != null && users.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    fleet.requestPlan("StorageRepository " + resource.getMetadata().getName() + " deleting");
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(IN_USE_POLL_MILLIS);
  }
}
