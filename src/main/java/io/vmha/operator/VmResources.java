package io.vmha.operator;

import io.vmha.api.Resources;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmTemplate;
import io.vmha.core.vm.StartDependencies;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A VM's effective size and the conditions the operator keeps on it. */
final class VmResources {
  private VmResources() {}

  /** The spec's size, with the template filling what the VM leaves out. */
  static Resources desired(VirtualMachine vm, VmTemplate template) {
    var spec = vm.getSpec();
    Integer cpus = spec.getCpus();
    Long memory = spec.getMemoryMiB();
    if (template != null && template.getSpec() != null) {
      cpus = cpus == null ? template.getSpec().getCpus() : cpus;
      memory = memory == null ? template.getSpec().getMemoryMiB() : memory;
    }
    return new Resources(cpus == null ? 0 : cpus, memory == null ? 0 : memory);
  }

  /**
   * The conditions of {@code vm}; {@code GuestReady} only where its host asks the guest agent
   * ({@code guestAgent} is what it last heard, null if it cannot ask); {@code StartOrder} only
   * where it names VMs in {@code startAfter} ({@code refusal}: why the engine ignores the list, or
   * null).
   */
  static List<io.vmha.api.Condition> conditions(
      VirtualMachine vm,
      VmTemplate template,
      Boolean guestAgent,
      StartDependencies.Refusal refusal,
      Instant now) {
    var status = vm.getStatus();
    String phase = status.getPhase() == null ? "Pending" : status.getPhase();
    String reason = status.getReason() == null ? phase : status.getReason();
    String message = status.getMessage() == null ? "" : status.getMessage();
    boolean placed = status.getHost() != null;
    boolean stale = status.getStaleInstances() != null && !status.getStaleInstances().isEmpty();
    Resources desired = desired(vm, template);
    Resources applied = status.getAppliedResources();
    boolean restartRequired =
        placed
            && applied != null
            && (!Objects.equals(applied.getCpus(), desired.getCpus())
                || !Objects.equals(applied.getMemoryMiB(), desired.getMemoryMiB()));
    List<Conditions.Desired> conditions =
        new java.util.ArrayList<>(
            List.of(
                Conditions.Desired.of("Ready", "Running".equals(phase), reason, message),
                Conditions.Desired.of(
                    "Placed",
                    placed,
                    placed ? "Placed" : reason,
                    placed
                        ? "instance " + status.getInstanceName() + " on host " + status.getHost()
                        : message),
                Conditions.Desired.of(
                    "DuplicateRisk",
                    stale,
                    stale ? "StaleInstance" : "NoStaleInstance",
                    stale
                        ? "an old instance may still run on "
                            + String.join(
                                ", ",
                                status.getStaleInstances().stream()
                                    .map(s -> s.getInstanceName() + "@" + s.getHost())
                                    .toList())
                        : ""),
                Conditions.Desired.of(
                    "RestartRequired",
                    restartRequired,
                    restartRequired ? "ResourcesChanged" : "UpToDate",
                    restartRequired
                        ? "runs with "
                            + applied.getCpus()
                            + " cpus/"
                            + applied.getMemoryMiB()
                            + " MiB; "
                            + desired.getCpus()
                            + " cpus/"
                            + desired.getMemoryMiB()
                            + " MiB take effect at the next start"
                        : "")));
    if (guestAgent != null) {
      conditions.add(guestReady("Running".equals(phase), guestAgent));
    }
    Conditions.Desired startOrder = startOrder(vm, refusal);
    if (startOrder != null) {
      conditions.add(startOrder);
    }
    return Conditions.merge(
        status.getConditions(), conditions, now, vm.getMetadata().getGeneration());
  }

  private static Conditions.Desired guestReady(boolean running, boolean answers) {
    return Conditions.Desired.of(
        "GuestReady",
        running && answers,
        answers ? "GuestAgentAnswers" : "GuestAgentSilent",
        answers
            ? "the guest agent answers the host's ping"
            : "the guest agent does not answer the host's ping");
  }

  /** O1: whether its startAfter list holds, or why it is refused (and ignored). */
  static Conditions.Desired startOrder(VirtualMachine vm, StartDependencies.Refusal refusal) {
    List<String> names = vm.getSpec().getStartAfter();
    if (names == null || names.isEmpty()) {
      return null;
    }
    return refusal == null
        ? Conditions.Desired.of(
            "StartOrder", true, "Accepted", "starts after " + String.join(", ", names))
        : Conditions.Desired.of(
            "StartOrder",
            false,
            refusal.reason(),
            refusal.message() + "; the list is ignored: the VM starts without waiting");
  }

  /** Whether {@code StartOrder} would change status (appear, go, or flip) with {@code refusal}. */
  static boolean startOrderChanges(VirtualMachine vm, StartDependencies.Refusal refusal) {
    Conditions.Desired desired = startOrder(vm, refusal);
    io.vmha.api.Condition current = condition(vm, "StartOrder");
    if (desired == null || current == null) {
      return (desired == null) != (current == null);
    }
    return !desired.status().equals(current.getStatus())
        || !desired.reason().equals(current.getReason());
  }

  static io.vmha.api.Condition condition(VirtualMachine vm, String type) {
    return vm.getStatus() == null
        ? null
        : io.vmha.api.Condition.find(vm.getStatus().getConditions(), type);
  }

  /** Whether {@code GuestReady} would change (appear, go, or flip) with {@code guestAgent}. */
  static boolean guestReadyChanges(VirtualMachine vm, Boolean guestAgent) {
    var status = vm.getStatus();
    io.vmha.api.Condition current = condition(vm, "GuestReady");
    if (guestAgent == null || current == null) {
      return (guestAgent == null) != (current == null);
    }
    boolean running = "Running".equals(status.getPhase());
    return !guestReady(running, guestAgent).status().equals(current.getStatus());
  }
}
