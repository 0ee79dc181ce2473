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

  static List<io.vmha.api.Condition> conditions(
      VirtualMachine vm, VmTemplate template, Instant now) {
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
    return Conditions.merge(
        status.getConditions(),
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
                    : "")),
        now,
        vm.getMetadata().getGeneration());
  }
}
