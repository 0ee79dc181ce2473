package io.vmha.core.model;

/** An instance of a VM that may still run on a host the VM no longer belongs to (F4). */
public record StaleInstance(String host, String instanceName) {}
