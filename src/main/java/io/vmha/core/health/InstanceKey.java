package io.vmha.core.health;

/** Instance names are unique per namespace, so the VM key is part of an instance's identity. */
public record InstanceKey(String vmKey, String instanceName) {}
