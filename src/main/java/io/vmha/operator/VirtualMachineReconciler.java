package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmhaApi;
import java.util.List;
import java.util.Set;

/**
 * Virtual machines. Spec changes ask the fleet loop for a plan; guest heartbeat Leases are watched
 * here. A deleted VM keeps its finalizer until its instance is stopped and gone (L2).
 */
@ControllerConfiguration(
    name = VirtualMachineReconciler.NAME,
    finalizerName = VmhaApi.VM_FINALIZER,
    informer = @Informer(itemStore = LeanItemStore.class))
public class VirtualMachineReconciler
    implements Reconciler<VirtualMachine>, Cleaner<VirtualMachine> {
  public static final String NAME = "virtualmachine";
  private static final long STOP_POLL_MILLIS = 1000;

  private final FleetLoop fleet;

  public VirtualMachineReconciler(FleetLoop fleet) {
    this.fleet = fleet;
  }

  @Override
  public List<EventSource<?, VirtualMachine>> prepareEventSources(
      EventSourceContext<VirtualMachine> context) {
    fleet.caches().vms = context.getPrimaryCache();
    LeaseObserver leases = new LeaseObserver(fleet);
    InformerEventSource<Lease, VirtualMachine> guestLeases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, VirtualMachine.class)
                .withName("guest-leases")
                .withWatchAllNamespaces()
                .withLabelSelector(LeaseObserver.KIND_LABEL + "=guest")
                .withSecondaryToPrimaryMapper(lease -> Set.of())
                .withOnAddFilter(leases::onGuestLease)
                .withOnUpdateFilter((updated, old) -> leases.onGuestLease(updated))
                .build(),
            context);
    fleet.caches().guestLeases = guestLeases;
    return List.of(guestLeases);
  }

  @Override
  public UpdateControl<VirtualMachine> reconcile(
      VirtualMachine vm, Context<VirtualMachine> context) {
    fleet.requestPlan("VirtualMachine " + vm.getMetadata().getName());
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(VirtualMachine vm, Context<VirtualMachine> context) {
    if (fleet.vmRemovable(vm.getMetadata().getNamespace(), vm.getMetadata().getName())) {
      return DeleteControl.defaultDelete();
    }
    fleet.requestPlan("VirtualMachine " + vm.getMetadata().getName() + " deleting");
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(STOP_POLL_MILLIS);
  }
}
