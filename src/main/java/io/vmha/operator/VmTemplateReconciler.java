package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.vmha.api.VmTemplate;

@ControllerConfiguration(name = VmTemplateReconciler.NAME)
public class VmTemplateReconciler implements Reconciler<VmTemplate> {
  public static final String NAME = "vmtemplate";
  private final FleetTrigger fleet;

  public VmTemplateReconciler(FleetTrigger fleet) {
    this.fleet = fleet;
  }

  @Override
  public UpdateControl<VmTemplate> reconcile(VmTemplate resource, Context<VmTemplate> context) {
    fleet.requestPlan("VmTemplate " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }
}
