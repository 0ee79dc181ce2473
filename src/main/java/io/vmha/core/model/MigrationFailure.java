package io.vmha.core.model;

/**
 * Live migrations of one instance to one target that failed in a row, as its source agent reports
 * them (the agent retries with back-off; the operator gives up after {@code
 * io.vmha.core.Settings#MIGRATION_ATTEMPTS}).
 *
 * @param target the host the migrations went to
 * @param attempts how many failed in a row
 * @param message the last failure, as the hypervisor put it
 */
public record MigrationFailure(String target, int attempts, String message) {}
