package io.vmha.demo;

import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.FaultProxy;
import io.vmha.testbed.AgentProcess;
import io.vmha.testbed.HypervisorListing;
import io.vmha.testbed.LibvirtHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's hosts as real libvirt daemons with QEMU guests ({@code hack/libvirt-hosts.sh up}),
 * each VmHost served by a {@code vmha agent --driver libvirt} process of its own, started in its
 * host's namespaces with a watchdog that resets the host, and reaching the API server only through
 * a proxy of its own. Faults happen where they happen for users: a host's processes killed, its
 * network link down, its storage failing, its path to the API server refused.
 */
final class LibvirtDemoHosts implements DemoHosts {
  private final LibvirtHosts lab;
  private final Path kubeconfig;
  private final String leaseNamespace;
  private final Map<String, String> labHostOf;
  private final Path dir;
  private final String peerSecret = "demo-peer-" + Long.toHexString(System.nanoTime());
  private final Map<String, AgentProcess> agents = new LinkedHashMap<>();
  private final Map<String, Fault> injected = new ConcurrentHashMap<>();
  private final Map<String, Integer> boots = new ConcurrentHashMap<>();
  private final HypervisorListing listing;
  private final boolean storageFaults;

  /**
   * @param labHostOf VmHost name → the test host ({@code hv1}...) it runs on
   */
  LibvirtDemoHosts(
      LibvirtHosts lab, Path kubeconfig, String leaseNamespace, Map<String, String> labHostOf)
      throws IOException {
    this.lab = lab;
    this.kubeconfig = kubeconfig;
    this.leaseNamespace = leaseNamespace;
    this.labHostOf = new LinkedHashMap<>(labHostOf);
    this.dir = Files.createTempDirectory("vmha-demo-libvirt");
    Map<String, String> uris = new LinkedHashMap<>();
    labHostOf.forEach((host, labHost) -> uris.put(host, lab.hosts.get(labHost).unixUri()));
    this.listing = new HypervisorListing(uris);
    this.storageFaults = Files.isExecutable(lab.faultfs());
  }

  @Override
  public String describe() {
    return labHostOf.size()
        + " libvirt hosts with real QEMU guests ("
        + String.join(", ", labHostOf.values())
        + "), a vmha agent process each";
  }

  @Override
  public synchronized void add(String host) {
    String labHost = labHostOf.get(host);
    try {
      seeStorageThroughFaultView(labHost);
      AgentProcess agent =
          AgentProcess.start(
              host,
              kubeconfig,
              leaseNamespace,
              peerSecret,
              dir,
              true,
              agentArgs(labHost),
              lab.placementOf(labHost));
      // a watchdog reset takes the host's hypervisor and guests down with the agent
      agent.resetsAlso(() -> lab.crash(labHost));
      agents.put(host, agent);
      boots.merge(host, 1, Integer::sum);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the agent of " + host, e);
    }
  }

  /** The agent of a test host; its guests get a NIC on the VM network where there is one. */
  private List<String> agentArgs(String labHost) {
    List<String> args = lab.agentArgs(labHost, dir);
    lab.vmBridge().ifPresent(bridge -> args.add("--libvirt-bridge=" + bridge));
    return args;
  }

  /** Storage faults need the view in place before the host's guests start. */
  private void seeStorageThroughFaultView(String labHost) {
    if (storageFaults) {
      lab.storage(labHost, "on");
    }
  }

  @Override
  public List<String> hosts() {
    return List.copyOf(labHostOf.keySet());
  }

  @Override
  public Optional<String> cannotInject(Fault fault) {
    return switch (fault) {
      case HOST_CRASH, ISOLATED, API_PARTITION -> Optional.empty();
      case STORAGE_DOWN ->
          storageFaults
              ? Optional.empty()
              : Optional.of(
                  "no " + lab.faultfs() + " (hack/libvirt-hosts.sh up builds it with Go)");
      case AGENT_DOWN ->
          Optional.of(
              "an agent that dies here has its watchdog reset the host; leaving a guest alone"
                  + " needs a guest that renews a heartbeat of its own, and the test guest has no"
                  + " network");
      case NETWORK_DOWN ->
          lab.vmBridge().isPresent()
              ? Optional.empty()
              : Optional.of("the test hosts have no VM network bridge, so the guests have no NIC");
      default -> Optional.of(fault.value() + " is a simulation fault");
    };
  }

  @Override
  public synchronized String inject(String host, Fault fault) {
    cannotInject(fault)
        .ifPresent(
            why -> {
              throw new IllegalArgumentException(fault.value() + " cannot be played: " + why);
            });
    String labHost = labHostOf.get(host);
    injected.put(host, fault);
    switch (fault) {
      case HOST_CRASH -> {
        kill(host);
        lab.crash(labHost);
        return "hack/libvirt-hosts.sh crash " + labHost + "   (" + host + ": every process killed)";
      }
      case ISOLATED -> {
        lab.isolate(labHost);
        return "hack/libvirt-hosts.sh isolate " + labHost + "   (" + host + "'s link down)";
      }
      case STORAGE_DOWN -> {
        lab.storage(labHost, "fail");
        return "hack/libvirt-hosts.sh storage "
            + labHost
            + " fail   (every I/O to the shared"
            + " directory fails)";
      }
      case NETWORK_DOWN -> {
        lab.network(labHost, "down");
        return "hack/libvirt-hosts.sh network "
            + labHost
            + " down   ("
            + host
            + "'s VM network uplink off its switch)";
      }
      case API_PARTITION -> {
        proxy(host, FaultProxy.Mode.REFUSE);
        return host + ": its connections to the API server are refused";
      }
      default -> throw new IllegalStateException("unreachable: " + fault);
    }
  }

  @Override
  public synchronized String heal(String host) {
    String labHost = labHostOf.get(host);
    Fault fault = injected.remove(host);
    String command =
        fault == null
            ? "(nothing to heal on " + host + ")"
            : switch (fault) {
              case HOST_CRASH -> "hack/libvirt-hosts.sh up   (" + labHost + " boots, empty)";
              case ISOLATED -> "hack/libvirt-hosts.sh rejoin " + labHost;
              case STORAGE_DOWN -> "hack/libvirt-hosts.sh storage " + labHost + " heal";
              case NETWORK_DOWN -> "hack/libvirt-hosts.sh network " + labHost + " up";
              case API_PARTITION -> host + ": the API server answers again";
              default -> throw new IllegalStateException("unreachable: " + fault);
            };
    if (fault == Fault.ISOLATED) {
      lab.rejoin(labHost);
    } else if (fault == Fault.STORAGE_DOWN) {
      lab.storage(labHost, "heal");
    } else if (fault == Fault.NETWORK_DOWN) {
      lab.network(labHost, "up");
    } else if (fault == Fault.API_PARTITION) {
      proxy(host, FaultProxy.Mode.PASS);
    }
    if (fault == Fault.HOST_CRASH || !agents.get(host).isAlive()) {
      // crashed, or reset by its watchdog meanwhile: the host boots and its agent starts again
      lab.up();
      seeStorageThroughFaultView(labHost);
      boot(host);
    }
    return command;
  }

  private void kill(String host) {
    try {
      agents.get(host).kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void boot(String host) {
    try {
      agents.get(host).boot();
      boots.merge(host, 1, Integer::sum);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the agent of " + host + " again", e);
    }
  }

  private void proxy(String host, FaultProxy.Mode mode) {
    try {
      agents.get(host).proxy.set(mode);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized Map<String, List<Instance>> instancesByHost() {
    return listing.instancesByHost();
  }

  @Override
  public synchronized List<Instance> instancesOn(String host) {
    return listing.instancesOn(host);
  }

  @Override
  public boolean guestsLeaveFailedStorage() {
    return false;
  }

  @Override
  public String noBmc() {
    return "the test hosts have no BMC here; RealDatacenterE2ETest powers one off through a Redfish"
        + " emulator (hack/redfish-bmc.sh)";
  }

  @Override
  public Optional<String> cannotHangGuests() {
    return Optional.of(
        "guest-hang is played by the simulated guest agents; a real guest is hung and reset in"
            + " LibvirtGuestMonitoringTest instead");
  }

  @Override
  public synchronized String agentLife(String host) {
    AgentProcess agent = agents.get(host);
    return "boot " + boots.get(host) + ", reset at " + agent.resetAtNanos();
  }

  /**
   * Removes the guests and files that demo namespace {@code namespace} left on the hosts: instance
   * names start again with every API server, and a guest must not boot from an earlier run's disk.
   */
  void forget(String namespace) {
    try {
      lab.forgetEarlierRuns(namespace);
    } catch (Exception e) {
      throw new IllegalStateException("cannot clear what a demo left on the hosts", e);
    }
  }

  /** The agents' log files, for a user who wants to look. */
  Path logDirectory() {
    return dir;
  }

  /**
   * Stops the agents and the demo's guests and leaves the hosts as {@code up} made them, every
   * fault undone.
   */
  @Override
  public synchronized void close() {
    agents.values().forEach(AgentProcess::close);
    listing.close();
    for (var entry : injected.entrySet()) {
      String labHost = labHostOf.get(entry.getKey());
      switch (entry.getValue()) {
        case ISOLATED -> lab.rejoin(labHost);
        case STORAGE_DOWN -> lab.storage(labHost, "heal");
        case NETWORK_DOWN -> lab.network(labHost, "up");
        default -> {
          // a crashed host is brought back below; a refusing proxy went with its agent
        }
      }
    }
    injected.clear();
    if (!LibvirtHosts.allAnswer()) {
      lab.up();
    }
    forget(DemoFleet.NAMESPACE);
    if (storageFaults) {
      // after the guests: the view goes from under no open disk
      labHostOf.values().forEach(labHost -> lab.storage(labHost, "off"));
    }
  }
}
