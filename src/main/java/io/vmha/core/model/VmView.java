package io.vmha.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code VirtualMachine}. Fields the user may leave out to take the template's value are nullable
 * ({@code cpuMillis}, {@code memoryMiB}, {@code haEnabled}, {@code priority}, {@code guestAgent});
 * the engine resolves them against the template.
 *
 * @param templateRef name of a {@code VmTemplate} in the same namespace, or null for a standalone
 *     VM
 * @param imageRepository repository of a standalone VM's image; null for template VMs
 * @param labels its metadata labels, which other VMs' affinity terms select
 * @param affinity null to take the template's (none without a template)
 * @param readiness when it counts as started for the VMs that wait for it; null to take the
 *     template's (none without a template: it holds no priority tier back)
 * @param startAfter names of VMs of its namespace it starts after, when they are being started too
 * @param invalidReason a problem the operator found that makes the VM unplaceable, or null
 * @param lastGuestHeartbeatSeen when the operator, by its own clock, last saw the guest agent's
 *     lease change; null if never (or the VM has no guest agent)
 */
public record VmView(
    String namespace,
    String name,
    String templateRef,
    String imageRepository,
    String imagePath,
    Long cpuMillis,
    Long memoryMiB,
    boolean running,
    Boolean haEnabled,
    Priority priority,
    Boolean guestAgent,
    Map<String, String> hostSelector,
    Map<String, String> labels,
    VmAffinity affinity,
    StartReadiness readiness,
    List<String> startAfter,
    boolean deleting,
    String invalidReason,
    Instant lastGuestHeartbeatSeen,
    VmStatusView status) {
  public VmView {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    hostSelector = hostSelector == null ? Map.of() : Map.copyOf(hostSelector);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    startAfter = startAfter == null ? List.of() : List.copyOf(startAfter);
    status = status == null ? VmStatusView.NEW : status;
  }

  /** {@code namespace/name}, the key every action uses to name a VM. */
  public String key() {
    return namespace + "/" + name;
  }

  public VmView withStatus(VmStatusView newStatus) {
    return new VmView(
        namespace,
        name,
        templateRef,
        imageRepository,
        imagePath,
        cpuMillis,
        memoryMiB,
        running,
        haEnabled,
        priority,
        guestAgent,
        hostSelector,
        labels,
        affinity,
        readiness,
        startAfter,
        deleting,
        invalidReason,
        lastGuestHeartbeatSeen,
        newStatus);
  }
}
