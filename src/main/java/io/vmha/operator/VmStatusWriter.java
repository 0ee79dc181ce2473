package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmTemplate;
import io.vmha.core.Action;
import io.vmha.core.PlaceCause;
import io.vmha.core.Settings;
import io.vmha.core.model.HostView;
import io.vmha.core.vm.StartDependencies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes one VM's status for a plan: applies the plan's actions for it ({@link VmStatusUpdate}),
 * sets what follows from its spec (applied resources, observed generation, conditions), replaces
 * {@code VirtualMachine.status} once if anything changed, with optimistic locking, and queues the
 * VM's events behind the write. Counts failovers and migrations.
 */
final class VmStatusWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final EventQueue events;
  private final FleetMetrics metrics;
  private final Settings settings;
  private final VmFinalizer finalizer;

  VmStatusWriter(
      KubernetesClient client,
      OwnWrites ownWrites,
      EventQueue events,
      FleetMetrics metrics,
      Settings settings) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.events = events;
    this.metrics = metrics;
    this.settings = settings;
    this.finalizer = new VmFinalizer(client);
  }

  /**
   * Writes a VM's status if the plan changes it and queues its events; returns the writes made. The
   * actions are the plan's for this VM, in plan order; a placement under a template whose counter
   * was refused ends them (the name may not be ours: plan again).
   */
  int write(
      VirtualMachine current,
      List<Action> actions,
      Set<String> refusedTemplates,
      Map<String, VmTemplate> templates,
      Map<String, HostView> hosts,
      Boolean guestAgent,
      StartDependencies.Refusal startOrderRefusal,
      io.vmha.api.InstanceReport heard,
      Instant now) {
    VirtualMachine vm = client.getKubernetesSerialization().clone(current);
    VirtualMachineStatus status =
        vm.getStatus() == null ? new VirtualMachineStatus() : vm.getStatus();
    vm.setStatus(status);
    List<VmStatusUpdate.Notice> notices = new ArrayList<>();
    for (Action action : actions) {
      if (action instanceof Action.PlaceVm place
          && place.template() != null
          && refusedTemplates.contains(place.template())) {
        break; // the counter moved under us: this name may not be ours, plan again
      }
      String previousHost = status.getHost();
      VmStatusUpdate.Notice notice =
          VmStatusUpdate.apply(status, action, now, settings.restartWindow());
      if (notice != null) {
        notices.add(notice);
      }
      if (action instanceof Action.PlaceVm place) {
        status.setRecentGuestResets(null); // a new instance: M1 counts its resets afresh
        status.setAppliedResources(
            VmResources.desired(
                vm, templates.get(vm.getMetadata().getNamespace() + "/" + templateName(vm))));
        if (place.cause() == PlaceCause.Failover) {
          HostView lost = previousHost == null ? null : hosts.get(previousHost);
          metrics.failover(
              lost == null
                  ? null
                  : Duration.between(
                      lost.lastHeartbeatSeen().plus(settings.hostGracePeriod()), now));
        }
      } else if (action instanceof Action.CompleteMigration) {
        metrics.migration();
      }
    }
    status.setObservedGeneration(vm.getMetadata().getGeneration());
    List<Instant> resets = GuestResets.record(status, heard);
    VmTemplate template = templates.get(vm.getMetadata().getNamespace() + "/" + templateName(vm));
    List<io.vmha.api.Condition> before = status.getConditions();
    io.vmha.api.Condition startOrderBefore = VmResources.condition(vm, "StartOrder");
    List<io.vmha.api.Condition> conditions =
        new ArrayList<>(VmResources.conditions(vm, template, guestAgent, startOrderRefusal, now));
    boolean gaveUp = GuestResets.condition(vm, template, heard, before, conditions, now);
    status.setConditions(conditions);
    if (startOrderRefusal != null
        && (startOrderBefore == null
            || !startOrderRefusal.reason().equals(startOrderBefore.getReason()))
        && VmResources.condition(vm, "StartOrder") != null) {
      notices.add(
          new VmStatusUpdate.Notice(
              EventRecorder.Type.Warning,
              startOrderRefusal.reason(),
              startOrderRefusal.message()
                  + "; the list is ignored: the VM starts without waiting"));
    }
    int writes = 0;
    if (mayRun(status)
        && !VmFinalizer.carries(current)
        && current.getMetadata().getDeletionTimestamp() == null) {
      VirtualMachine withFinalizer = finalizer.add(current);
      ownWrites.record(withFinalizer);
      writes++;
      vm.getMetadata().setResourceVersion(withFinalizer.getMetadata().getResourceVersion());
      vm.getMetadata().setFinalizers(withFinalizer.getMetadata().getFinalizers());
    }
    if (!JSON.valueToTree(status)
        .equals(
            JSON.valueToTree(
                current.getStatus() == null ? new VirtualMachineStatus() : current.getStatus()))) {
      VirtualMachine written = updateStatus(vm, current);
      ownWrites.record(written);
      writes++;
      vm = written;
    }
    for (VmStatusUpdate.Notice notice : notices) {
      events.record(vm, notice.type(), notice.reason(), "Place", notice.note(), now);
    }
    // M1: after the write, so a plan retried on a conflict counts and tells each reset once
    for (Instant reset : resets) {
      metrics.guestReset();
      events.record(
          vm,
          EventRecorder.Type.Warning,
          GuestResets.EVENT,
          "Reset",
          "the guest agent of instance "
              + status.getInstanceName()
              + " stopped answering; host "
              + status.getHost()
              + " reset it in place at "
              + reset,
          now);
    }
    if (gaveUp) {
      events.record(
          vm,
          EventRecorder.Type.Warning,
          GuestResets.GAVE_UP,
          "Reset",
          io.vmha.api.Condition.find(conditions, GuestResets.CONDITION).getMessage(),
          now);
    }
    return writes;
  }

  /**
   * Whether the status names a host where an instance of the VM may run or start: from then on it
   * needs the finalizer (L2).
   */
  private static boolean mayRun(VirtualMachineStatus status) {
    return status.getHost() != null
        || (status.getMigration() != null && status.getMigration().getTargetHost() != null);
  }

  /**
   * Writes the status with optimistic locking. A conflict caused by a metadata-only change (a
   * user's label or finalizer) must not cost the instance number this plan reserved: if the status
   * we planned from is still the status there, write again.
   */
  private VirtualMachine updateStatus(VirtualMachine desired, VirtualMachine planned) {
    try {
      return client.resource(desired).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      VirtualMachine fresh =
          client
              .resources(VirtualMachine.class)
              .inNamespace(desired.getMetadata().getNamespace())
              .withName(desired.getMetadata().getName())
              .get();
      if (fresh == null
          || !JSON.valueToTree(
                  fresh.getStatus() == null ? new VirtualMachineStatus() : fresh.getStatus())
              .equals(
                  JSON.valueToTree(
                      planned.getStatus() == null
                          ? new VirtualMachineStatus()
                          : planned.getStatus()))) {
        throw e;
      }
      desired.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
      return client.resource(desired).updateStatus();
    }
  }

  /**
   * Whether the VM's status is due a write even with no action: its spec's generation is not
   * acknowledged yet, its {@code GuestReady} condition would change ({@code guestAgent}: what its
   * host last heard from its guest agent, if it asks), or its host reported a reset (M1).
   */
  static boolean dueWithoutAction(
      VirtualMachine vm,
      Boolean guestAgent,
      StartDependencies.Refusal startOrderRefusal,
      io.vmha.api.InstanceReport heard) {
    if (vm.getStatus() == null) {
      return false; // a VM's first status comes with the first decision about it (P6)
    }
    Long observed = vm.getStatus().getObservedGeneration();
    return !Objects.equals(vm.getMetadata().getGeneration(), observed)
        || VmResources.guestReadyChanges(vm, guestAgent)
        || VmResources.startOrderChanges(vm, startOrderRefusal)
        || GuestResets.changes(vm, heard);
  }

  private static String templateName(VirtualMachine vm) {
    return vm.getSpec().getTemplateRef() == null ? null : vm.getSpec().getTemplateRef().getName();
  }
}
