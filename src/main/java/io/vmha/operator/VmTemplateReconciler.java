package io.vmha.operator;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmhaApi;
import java.util.List;

/**
 * VmTemplates feed placement; a change asks the fleet loop for a plan. Deleting one that VMs still
 * use waits, with {@code InUse} saying who (L3), as Kubernetes protects a PVC in use.
 */
@ControllerConfiguration(name = VmTemplateReconciler.NAME, finalizerName = VmhaApi.IN_USE_FINALIZER)
public class VmTemplateReconciler implements Reconciler<VmTemplate>, Cleaner<VmTemplate> {
  public static final String NAME = "vmtemplate";
  private static final long IN_USE_POLL_MILLIS = 5000;
  private final FleetLoop fleet;

  public VmTemplateReconciler(FleetLoop fleet) {
    this.fleet = fleet;
  }

  @Override
  public List<EventSource<?, VmTemplate>> prepareEventSources(
      EventSourceContext<VmTemplate> context) {
    fleet.caches().templates = context.getPrimaryCache();
    return List.of();
  }

  @Override
  public UpdateControl<VmTemplate> reconcile(VmTemplate resource, Context<VmTemplate> context) {
    fleet.requestPlan("VmTemplate " + resource.getMetadata().getName());
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(VmTemplate resource, Context<VmTemplate> context) {
    var users =
        fleet
            .usage()
            .usersOfTemplate(
                resource.getMetadata().getNamespace(), resource.getMetadata().getName());
    if (fleet.lastPlan() != null && users.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    fleet.requestPlan("VmTemplate " + resource.getMetadata().getName() + " deleting");
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(IN_USE_POLL_MILLIS);
  }
}
