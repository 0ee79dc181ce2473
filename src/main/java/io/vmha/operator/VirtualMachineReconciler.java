package io.vmha.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.vmha.api.VirtualMachine;
import java.util.List;
import java.util.Set;

/**
 * Virtual machines. Spec changes ask the fleet loop for a plan; guest heartbeat Leases are watched
 * here. A deleted VM keeps its finalizer until its instance is stopped and gone (L2). The operator
 * manages that finalizer itself ({@link VmFinalizer}: only placed VMs carry it, added in the plan
 * that places them), so the framework runs in its all-events mode, where it adds none.
 */
@ControllerConfiguration(
    name = VirtualMachineReconciler.NAME,
    triggerReconcilerOnAllEvents = true,
    informer = @Informer(itemStore = LeanItemStore.class))
public class VirtualMachineReconciler implements Reconciler<VirtualMachine> {
  public static final String NAME = "virtualmachine";
  private static final long STOP_POLL_MILLIS = 1000;

  private final FleetLoop fleet;
  private final VmFinalizer finalizer;

  public VirtualMachineReconciler(FleetLoop fleet, KubernetesClient client) {
    this.fleet = fleet;
    this.finalizer = new VmFinalizer(client);
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
    String name = vm.getMetadata().getName();
    if (context.isPrimaryResourceDeleted() || !vm.isMarkedForDeletion()) {
      fleet.requestPlan("VirtualMachine " + name);
      return UpdateControl.noUpdate();
    }
    if (!VmFinalizer.carries(vm)) {
      return UpdateControl.noUpdate(); // never placed, or already let go: nothing of ours holds it
    }
    if (fleet.vmRemovable(vm.getMetadata().getNamespace(), name) && finalizer.remove(vm)) {
      return UpdateControl.noUpdate();
    }
    fleet.requestPlan("VirtualMachine " + name + " deleting");
    return UpdateControl.<VirtualMachine>noUpdate().rescheduleAfter(STOP_POLL_MILLIS);
  }
}
