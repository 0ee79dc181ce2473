package io.vmha.core.model;

import java.time.Instant;

/** One failed start of a VM (F6), kept in its status while within the restart window. */
public record RestartAttempt(String host, Instant at, String reason) {}
