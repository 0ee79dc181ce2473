package io.vmha.agent;

/** A hypervisor command failed; the message is what the agent reports as the reason. */
public class DriverException extends Exception {
  public DriverException(String message) {
    super(message);
  }

  public DriverException(String message, Throwable cause) {
    super(message, cause);
  }
}
