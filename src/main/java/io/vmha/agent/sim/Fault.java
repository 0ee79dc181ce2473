package io.vmha.agent.sim;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Faults the simulation injects into a host, declared with the annotation {@code sim.vmha.io/fault}
 * on its VmHost (comma-separated; removing the annotation heals the host).
 */
public enum Fault {
  /**
   * The agent process is killed: no heartbeat, no report; instances keep running (unless the
   * watchdog resets the host).
   */
  AGENT_DOWN("agent-down"),
  /**
   * The host loses its storage network: shared repositories unreachable, the agent pauses its
   * instances.
   */
  STORAGE_DOWN("storage-down"),
  /** The host's VM network is down; the agent still reaches the API server and reports it. */
  NETWORK_DOWN("network-down"),
  /** The host dies: every instance is gone, the agent is gone; healing boots it empty. */
  HOST_CRASH("host-crash"),
  /** This host cannot reach the API server; its peers can, and it can reach its peers. */
  API_PARTITION("api-partition"),
  /**
   * This host reaches neither the API server nor its peers, but keeps its storage (a separate
   * network): the split-brain case, where only fencing stops its instances from running twice.
   */
  ISOLATED("isolated"),
  /** Every start of an instance on this host fails (to demonstrate bounded retries, F6). */
  START_FAILURE("start-failure"),
  /**
   * Every live migration to this host fails (to demonstrate bounded migration attempts: a drain
   * gives up on a VM it cannot move and says why).
   */
  MIGRATION_FAILURE("migration-failure");

  /** The annotation that declares a host's faults. */
  public static final String ANNOTATION = "sim.vmha.io/fault";

  private final String value;

  Fault(String value) {
    this.value = value;
  }

  /** The annotation's spelling. */
  public String value() {
    return value;
  }

  /** Parses an annotation value; unknown words are returned in {@code unknown}. */
  public static Set<Fault> parse(String annotation, Set<String> unknown) {
    Set<Fault> faults = EnumSet.noneOf(Fault.class);
    if (annotation == null) {
      return faults;
    }
    for (String word : annotation.split(",")) {
      String w = word.trim().toLowerCase(Locale.ROOT);
      if (w.isEmpty()) {
        continue;
      }
      Fault fault = Arrays.stream(values()).filter(f -> f.value.equals(w)).findFirst().orElse(null);
      if (fault == null) {
        unknown.add(w);
      } else {
        faults.add(fault);
      }
    }
    return faults;
  }

  /** The annotation value for a set of faults. */
  public static String format(Set<Fault> faults) {
    return faults.stream().map(Fault::value).collect(Collectors.joining(","));
  }
}
