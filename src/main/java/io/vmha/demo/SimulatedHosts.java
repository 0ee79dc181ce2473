package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Simulated hosts in this process; a fault is the annotation a user would set on the VmHost. */
final class SimulatedHosts implements DemoHosts {
  final SimulatedDatacenter datacenter;

  SimulatedHosts(KubernetesClient client, AgentOptions agent) {
    this.datacenter =
        new SimulatedDatacenter(client, SimulationOptions.of(agent).withThreads(4))
            .networkPerHost()
            .start();
  }

  private io.vmha.agent.sim.SimulatedBmcs bmcs;

  /** The simulated hosts' BMCs, started on first use (a self-signed certificate costs a second). */
  @Override
  public synchronized Optional<Bmc> bmc(String host) {
    try {
      if (bmcs == null) {
        bmcs =
            io.vmha.agent.sim.SimulatedBmcs.start(
                datacenter,
                java.time.Duration.ofSeconds(1),
                java.nio.file.Files.createTempDirectory("vmha-demo-bmc"));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Optional.of(
        new Bmc(
            bmcs.endpoint().toString(),
            host,
            io.vmha.agent.sim.SimulatedBmcs.USERNAME,
            bmcs.password(),
            bmcs.caPem()));
  }

  @Override
  public String describe() {
    return "simulated hosts";
  }

  @Override
  public void add(String host) {
    datacenter.addHost(host);
  }

  @Override
  public List<String> hosts() {
    return List.copyOf(datacenter.hosts());
  }

  @Override
  public Optional<String> cannotInject(Fault fault) {
    return Optional.empty();
  }

  @Override
  public String inject(String host, Fault fault) {
    // faults add up: a host can lose its storage and refuse migrations at once
    EnumSet<Fault> faults = EnumSet.of(fault);
    faults.addAll(datacenter.faults(host));
    datacenter.annotateFaults(host, faults);
    return annotateCommand(host, faults);
  }

  private static String annotateCommand(String host, java.util.Set<Fault> faults) {
    return "kubectl annotate --overwrite vmhost "
        + host
        + " "
        + Fault.ANNOTATION
        + "="
        + Fault.format(faults);
  }

  private static String healCommand(String host) {
    return "kubectl annotate vmhost " + host + " " + Fault.ANNOTATION + "-";
  }

  @Override
  public String agentState(String host) {
    io.vmha.agent.HostAgent agent = datacenter.agent(host);
    return agent == null || !agent.isRunning() ? "no agent runs" : agent.describeWork();
  }

  @Override
  public boolean peersKnowEachOther() {
    List<String> names = hosts();
    for (String name : names) {
      io.vmha.agent.HostAgent agent = datacenter.agent(name);
      if (agent == null || !agent.isRunning()) {
        return false;
      }
      Map<String, List<String>> known = agent.peerKeys();
      for (String peer : names) {
        io.vmha.agent.HostAgent other = datacenter.agent(peer);
        if (!peer.equals(name)
            && (other == null || !known.getOrDefault(peer, List.of()).contains(other.peerKey()))) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public List<String> injectEverywhere(Fault fault) {
    if (hosts().stream().anyMatch(h -> !datacenter.faults(h).isEmpty())) {
      return DemoHosts.super.injectEverywhere(fault); // faults add up per host
    }
    datacenter.faultsEverywhereAtOnce(EnumSet.of(fault));
    return hosts().stream().map(h -> annotateCommand(h, EnumSet.of(fault))).toList();
  }

  @Override
  public List<String> healEverywhere() {
    datacenter.faultsEverywhereAtOnce(EnumSet.noneOf(Fault.class));
    return hosts().stream().map(SimulatedHosts::healCommand).toList();
  }

  @Override
  public String heal(String host) {
    datacenter.annotateFaults(host, EnumSet.noneOf(Fault.class));
    return healCommand(host);
  }

  @Override
  public Map<String, List<Instance>> instancesByHost() {
    return datacenter.instancesByHost();
  }

  @Override
  public boolean guestsLeaveFailedStorage() {
    return true;
  }

  @Override
  public String agentLife(String host) {
    return "agent "
        + System.identityHashCode(datacenter.agent(host))
        + ", fences "
        + datacenter.agent(host).fences()
        + ", resets "
        + datacenter.watchdogResets(host);
  }

  @Override
  public synchronized void close() {
    if (bmcs != null) {
      bmcs.close();
    }
    datacenter.close();
  }
}
