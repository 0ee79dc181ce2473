package io.vmha.operator;

import io.vmha.api.Resources;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmTemplate;
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
   * ({@code guestAgent} is what it last heard, null if it cannot ask).
   */
  static List<io.vmha.api.Condition> conditions(
      VirtualMachine vm, VmTemplate template, Boolean guestAgent, Instant now) {
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

  /** Whether {@code GuestReady} would change (appear, go, or flip) with {@code guestAgent}. */
  static boolean guestReadyChanges(VirtualMachine vm, Boolean guestAgent) {
    var status = vm.getStatus();
    io.vmha.api.Condition current =
        status == null || status.getConditions() == null
            ? null
            : status.getConditions().stream()
                .filter(c -> "GuestReady".equals(c.getType()))
                .findFirst()
                .orElse(null);
    if (guestAgent == null || current == null) {
      return (guestAgent == null) != (current == null);
    }
    boolean running = "Running".equals(status.getPhase());
    return !guestReady(running, guestAgent).status().equals(current.getStatus());
  }
}
