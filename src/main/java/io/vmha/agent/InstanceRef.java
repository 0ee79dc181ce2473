package io.vmha.agent;

/**
 * Which instance on a host: its name and the VirtualMachine it belongs to ({@code namespace/name}).
 * Instance names are unique per namespace only (a template's counter names its instances), so two
 * namespaces can each run a {@code web-1} on the same host; the VM key tells them apart. An
 * instance vmha did not start has no VM key.
 */
public record InstanceRef(String vmKey, String name) {

  @Override
  public String toString() {
    return vmKey == null ? name : name + " (" + vmKey + ")";
  }
}
