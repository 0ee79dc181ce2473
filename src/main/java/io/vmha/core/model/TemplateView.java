package io.vmha.core.model;

import java.util.Objects;

/**
 * A {@code VmTemplate}.
 *
 * @param instanceCounter how many instance names {@code <name>-<n>} were handed out so far; the
 *     next one is {@code instanceCounter + 1}
 * @param affinity what its VMs have unless they set their own
 * @param readiness what its VMs have unless they set their own; null for none
 */
public record TemplateView(
    String namespace,
    String name,
    String repository,
    String path,
    Resources resources,
    boolean guestAgent,
    boolean haEnabled,
    Priority priority,
    long instanceCounter,
    VmAffinity affinity,
    StartReadiness readiness) {
  public TemplateView {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    resources = resources == null ? Resources.ZERO : resources;
    priority = priority == null ? Priority.Medium : priority;
    affinity = affinity == null ? VmAffinity.NONE : affinity;
  }

  public String key() {
    return namespace + "/" + name;
  }
}
