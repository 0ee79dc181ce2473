package io.vmha.agent;

/**
 * Whether the agent's path to the API server is up. A real agent's link is always "up" and learns
 * otherwise from failing calls; the simulation cuts it to model {@code api-partition} while many
 * agents share one client.
 */
@FunctionalInterface
public interface ApiLink {
  ApiLink ALWAYS_UP = () -> true;

  boolean up();

  /** Throws if the link is down, before a call is attempted. */
  default void check() {
    if (!up()) {
      throw new ApiUnreachableException();
    }
  }

  /** The API server cannot be reached from this host. */
  final class ApiUnreachableException extends RuntimeException {
    public ApiUnreachableException() {
      super("API server unreachable from this host", null, false, false);
    }
  }
}
