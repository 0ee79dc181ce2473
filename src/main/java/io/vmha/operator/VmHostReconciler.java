package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.vmha.api.VmHost;

/** Hosts: every change (spec, agent report) asks for a new plan; deletion waits for the drain (L3). */
@ControllerConfiguration(name = VmHostReconciler.NAME)
public class VmHostReconciler implements Reconciler<VmHost>, Cleaner<VmHost> {
  public static final String NAME = "vmhost";
  private final FleetTrigger fleet;

  public VmHostReconciler(FleetTrigger fleet) {
    this.fleet = fleet;
  }

  @Override
  public UpdateControl<VmHost> reconcile(VmHost host, Context<VmHost> context) {
    fleet.requestPlan("VmHost " + host.getMetadata().getName());
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(VmHost host, Context<VmHost> context) {
    fleet.requestPlan("VmHost " + host.getMetadata().getName() + " deleted");
    return DeleteControl.defaultDelete();
  }
}
