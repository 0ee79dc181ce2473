package io.vmha.demo;

import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hypervisor hosts the demo plays on, with an agent each: simulated in this process, or real
 * libvirt daemons and QEMU guests with a {@code vmha agent} process per host. The scenarios inject
 * their faults and read what runs through this, so the same scenario plays on either.
 */
interface DemoHosts extends AutoCloseable {
  /** For the demo's header. */
  String describe();

  /** Brings up {@code host} (a VmHost already created) with its agent. */
  void add(String host);

  List<String> hosts();

  /** Why {@code fault} cannot be played on these hosts, or empty when it can. */
  Optional<String> cannotInject(Fault fault);

  /**
   * Injects {@code fault} on {@code host}, on top of those it has; returns what a user would run to
   * do the same.
   */
  String inject(String host, Fault fault);

  /** Ends every fault of {@code host} (a crashed host boots again); returns the user's command. */
  String heal(String host);

  /**
   * What the agent of {@code host} last acted on, for the report of a failed step (empty where the
   * agent runs elsewhere and cannot be asked).
   */
  default String agentState(String host) {
    return "";
  }

  /**
   * Whether every host's agent has read its peers since it started and accepts the key each of them
   * signs with now: only then can they confirm an outage to one another (F4). A host whose agent
   * just started and loses the API server with everyone fences itself, rightly, as nothing can
   * confirm the outage to it. True where the demo cannot look inside the agents.
   */
  default boolean peersKnowEachOther() {
    return true;
  }

  /**
   * Injects {@code fault} on every host at once, for a fault of the whole datacenter; returns what
   * a user would run. One host after another where a simulation cannot do it in one step.
   */
  default List<String> injectEverywhere(Fault fault) {
    return hosts().stream().map(h -> inject(h, fault)).toList();
  }

  /** Ends every fault of every host at once; returns the user's commands. */
  default List<String> healEverywhere() {
    return hosts().stream().map(this::heal).toList();
  }

  /** What each host's hypervisor runs now, whatever the API server says. */
  Map<String, List<Instance>> instancesByHost();

  default List<Instance> instancesOn(String host) {
    return instancesByHost().getOrDefault(host, List.of());
  }

  /** The hosts where an instance of this name is running. */
  default Set<String> whereRuns(String instanceName) {
    Set<String> hosts = new TreeSet<>();
    instancesByHost()
        .forEach(
            (host, instances) -> {
              if (instances.stream()
                  .anyMatch(
                      i -> i.name().equals(instanceName) && i.state() == Instance.State.Running)) {
                hosts.add(host);
              }
            });
    return hosts;
  }

  /**
   * Whether a guest can live-migrate off a host whose storage fails. Simulated guests can. A QEMU
   * guest cannot: the switchover flushes its disk on the source, which fails, and QEMU then refuses
   * every further attempt ("Can't migrate the vm that was paused due to previous migration"). The
   * guest stays paused where it is, its only copy, and resumes when the storage is back.
   */
  boolean guestsLeaveFailedStorage();

  /**
   * Why a guest cannot be hung here with the VM annotation {@code sim.vmha.io/fault=guest-hang}
   * (M1), or empty where the hosts' guest agents play it.
   */
  default Optional<String> cannotHangGuests() {
    return Optional.empty();
  }

  /** A host's BMC, as {@code spec.powerManagement.redfish} and its credentials Secret name it. */
  record Bmc(String endpoint, String systemId, String username, String password, String caPem) {}

  /**
   * The BMC through which the operator can power {@code host} off (PF), or why there is none on
   * these hosts.
   */
  default java.util.Optional<Bmc> bmc(String host) {
    return java.util.Optional.empty();
  }

  /** Why the hosts have no BMC, when {@link #bmc} is empty. */
  default String noBmc() {
    return "these hosts have no BMC";
  }

  /**
   * Which life of {@code host}'s agent this is: it changes when the agent starts again, fences
   * itself or has its host reset by the watchdog.
   */
  String agentLife(String host);

  @Override
  void close();
}
