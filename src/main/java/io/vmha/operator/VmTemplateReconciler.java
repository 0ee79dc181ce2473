package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.vmha.api.VmTemplate;
import java.util.List;

/** VmTemplates feed placement; a change asks the fleet loop for a plan. */
@ControllerConfiguration(name = VmTemplateReconciler.NAME)
public class VmTemplateReconciler implements Reconciler<VmTemplate> {
  public static final String NAME = "vmtemplate";
  private final FleetLoop fleet;

  public VmTemplateReconciler(FleetLoop fleet) {
    this.fleet = fleet;
  }

  @Override
  public List<EventSource<?, VmTemplate>> prepareEventSources(EventSourceContext<VmTemplate> context) {
    fleet.caches().templates = context.getPrimaryCache();
    return List.of();
  }

  @Override
  public UpdateControl<VmTemplate> reconcile(VmTemplate resource, Context<VmTemplate> context) {
    fleet.requestPlan("VmTemplate " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }
}
