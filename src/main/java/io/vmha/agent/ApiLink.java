package io.vmha.agent;

/**
 * Whether the agent's paths to the API server and to its peers are up. A real agent's links are
 * always "up" and it learns otherwise from failing calls. So does a simulated host with a network
 * of its own (the demo's), whose proxies refuse the connections; only where many simulated agents
 * share one client and one peer server (a benchmark's hundreds) are {@code api-partition} and
 * {@code isolated} modelled by cutting these links.
 */
@FunctionalInterface
public interface ApiLink {
  ApiLink ALWAYS_UP = () -> true;

  boolean up();

  /** Whether this host can reach its peers' endpoints and they its own. */
  default boolean peersReachable() {
    return true;
  }

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
