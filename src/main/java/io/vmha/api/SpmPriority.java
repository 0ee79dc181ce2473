package io.vmha.api;

/** How eager a host is to hold the Storage Pool Manager role; {@code Never} excludes it. */
public enum SpmPriority {
  Never,
  Low,
  Normal,
  High
}
