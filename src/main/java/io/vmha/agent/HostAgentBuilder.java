package io.vmha.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What an agent is made of. Required: options, client, view, driver, executor (the work loop's),
 * journal. Executors not given are the agent's own (one thread each for heartbeat and fencing,
 * pools for migrations and fence stops) and end with it; a simulation of many hosts shares them.
 */
public final class HostAgentBuilder {
  final AgentOptions options;
  KubernetesClient client;
  KubernetesClient heartbeatClient;
  ClusterView view;
  java.util.function.BooleanSupplier viewReady;
  HypervisorDriver driver;
  Clock clock;
  Ticker ticker;
  ScheduledExecutorService executor;
  ScheduledExecutorService heartbeatExecutor;
  ScheduledExecutorService guardExecutor;
  ExecutorService migrationExecutor;
  ExecutorService fenceExecutor;
  ExecutorService renewalExecutor;
  PeerServer peerServer;
  String advertisedEndpoint;
  HostKey hostKey;
  PeerClient peerClient;
  ApiLink api;
  AgentJournal journal;
  Watchdog watchdog;
  String bootId;

  HostAgentBuilder(AgentOptions options) {
    this.options = options;
  }

  /** The client for reads, reports and the SPM Lease. */
  public HostAgentBuilder client(KubernetesClient value) {
    this.client = value;
    return this;
  }

  /** The client for heartbeat renewals, with a deadline ({@link Leases#deadlineClient}). */
  public HostAgentBuilder heartbeatClient(KubernetesClient value) {
    this.heartbeatClient = value;
    return this;
  }

  /** The informers; {@code ready} says when their caches are filled (the work loop waits). */
  public HostAgentBuilder view(ClusterView value, java.util.function.BooleanSupplier ready) {
    this.view = value;
    this.viewReady = ready;
    return this;
  }

  public HostAgentBuilder view(ClusterView value) {
    return view(value, null);
  }

  public HostAgentBuilder driver(HypervisorDriver value) {
    this.driver = value;
    return this;
  }

  /** Wall clock for reports and Lease times; the fencing clock follows it ({@link Ticker}). */
  public HostAgentBuilder clock(Clock value) {
    this.clock = value;
    return this;
  }

  public HostAgentBuilder ticker(Ticker value) {
    this.ticker = value;
    return this;
  }

  public HostAgentBuilder executor(ScheduledExecutorService value) {
    this.executor = value;
    return this;
  }

  /**
   * Shared heartbeat and fencing threads (a simulation of many hosts): the heartbeat timer, the
   * pool its renewals run on (grows with the renewals in flight), the guard's timer and the pool of
   * fence stops.
   */
  public HostAgentBuilder fencingExecutors(
      ScheduledExecutorService heartbeats,
      ExecutorService renewals,
      ScheduledExecutorService guards,
      ExecutorService fenceStops) {
    this.heartbeatExecutor = heartbeats;
    this.renewalExecutor = renewals;
    this.guardExecutor = guards;
    this.fenceExecutor = fenceStops;
    return this;
  }

  public HostAgentBuilder migrationExecutor(ExecutorService value) {
    this.migrationExecutor = value;
    return this;
  }

  /**
   * The key this host signs its peer answers with and publishes in its status; default: a new one
   * for this process.
   */
  public HostAgentBuilder hostKey(HostKey value) {
    this.hostKey = value;
    return this;
  }

  /** Serves this agent's peer endpoint; none: no peer can ask it. */
  public HostAgentBuilder peerServer(PeerServer value) {
    this.peerServer = value;
    return this;
  }

  /**
   * The endpoint this agent reports for peers to ask, where they reach the peer server other than
   * at its own address (a simulated host's proxy in front of the shared server); default: the peer
   * server's.
   */
  public HostAgentBuilder advertisedEndpoint(String value) {
    this.advertisedEndpoint = value;
    return this;
  }

  /** Asks peers during self-fencing; none: no peer is asked (nothing confirms an outage). */
  public HostAgentBuilder peerClient(PeerClient value) {
    this.peerClient = value;
    return this;
  }

  /** The simulation's model of this host's links; a real agent's are always "up". */
  public HostAgentBuilder api(ApiLink value) {
    this.api = value;
    return this;
  }

  /** Where the last renewal and the peers outlive the agent process. */
  public HostAgentBuilder journal(AgentJournal value) {
    this.journal = value;
    return this;
  }

  public HostAgentBuilder watchdog(Watchdog value) {
    this.watchdog = value;
    return this;
  }

  /** The boot the journal's monotonic instants belong to (default: this machine's). */
  public HostAgentBuilder bootId(String value) {
    this.bootId = value;
    return this;
  }

  public HostAgent build() {
    return new HostAgent(this);
  }
}
