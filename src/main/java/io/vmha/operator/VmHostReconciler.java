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
import io.vmha.api.VmHost;
import io.vmha.api.VmhaApi;
import java.util.List;
import java.util.Set;

/**
 * Hosts. Agent reports and spec changes ask the fleet loop for a plan; heartbeat, and SPM Leases
 * are watched here and fed to the heartbeat tracker. A deleted host keeps its finalizer until the
 * fleet loop has drained it (L3).
 */
@ControllerConfiguration(
    name = VmHostReconciler.NAME,
    finalizerName = VmhaApi.HOST_FINALIZER,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = HostChangeFilter.class, itemStore = LeanItemStore.class))
public class VmHostReconciler implements Reconciler<VmHost>, Cleaner<VmHost> {
  public static final String NAME = "vmhost";
  private static final long DRAIN_POLL_MILLIS = 1000;

  private final FleetLoop fleet;
  private final String leaseNamespace;

  public VmHostReconciler(FleetLoop fleet, String leaseNamespace) {
    this.fleet = fleet;
    this.leaseNamespace = leaseNamespace;
  }

  @Override
  public List<EventSource<?, VmHost>> prepareEventSources(EventSourceContext<VmHost> context) {
    fleet.caches().hosts = context.getPrimaryCache();
    LeaseObserver leases = new LeaseObserver(fleet);
    InformerEventSource<Lease, VmHost> operatorLeases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, VmHost.class)
                .withName("operator-leases")
                .withNamespaces(Set.of(leaseNamespace))
                .withLabelSelector(LeaseObserver.KIND_LABEL)
                .withSecondaryToPrimaryMapper(lease -> Set.of())
                .withOnAddFilter(lease -> leases.onOperatorLease(lease, null))
                .withOnUpdateFilter((updated, old) -> leases.onOperatorLease(updated, old))
                .build(),
            context);
    fleet.caches().operatorLeases = operatorLeases;
    return List.of(operatorLeases);
  }

  @Override
  public UpdateControl<VmHost> reconcile(VmHost host, Context<VmHost> context) {
    fleet.requestPlan("VmHost " + host.getMetadata().getName());
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(VmHost host, Context<VmHost> context) {
    if (fleet.hostRemovable(host.getMetadata().getName())) {
      return DeleteControl.defaultDelete();
    }
    fleet.requestPlan("VmHost " + host.getMetadata().getName() + " deleting");
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(DRAIN_POLL_MILLIS);
  }
}
