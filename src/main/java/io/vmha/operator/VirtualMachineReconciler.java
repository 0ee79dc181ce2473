package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.vmha.api.VirtualMachine;

@ControllerConfiguration(name = VirtualMachineReconciler.NAME)
public class VirtualMachineReconciler implements Reconciler<VirtualMachine> {
  public static final String NAME = "virtualmachine";
  private final FleetTrigger fleet;

  public VirtualMachineReconciler(FleetTrigger fleet) {
    this.fleet = fleet;
  }

  @Override
  public UpdateControl<VirtualMachine> reconcile(VirtualMachine resource, Context<VirtualMachine> context) {
    fleet.requestPlan("VirtualMachine " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }
}
