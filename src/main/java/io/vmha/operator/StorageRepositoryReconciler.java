package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.vmha.api.StorageRepository;

@ControllerConfiguration(name = StorageRepositoryReconciler.NAME)
public class StorageRepositoryReconciler implements Reconciler<StorageRepository> {
  public static final String NAME = "storagerepository";
  private final FleetTrigger fleet;

  public StorageRepositoryReconciler(FleetTrigger fleet) {
    this.fleet = fleet;
  }

  @Override
  public UpdateControl<StorageRepository> reconcile(StorageRepository resource, Context<StorageRepository> context) {
    fleet.requestPlan("StorageRepository " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }
}
