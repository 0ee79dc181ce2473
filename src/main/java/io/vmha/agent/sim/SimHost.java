package io.vmha.agent.sim;

import io.vmha.agent.AgentJournal;
import io.vmha.agent.ApiLink;
import io.vmha.agent.HostAgent;
import io.vmha.agent.Watchdog;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/** One simulated host of a {@link SimulatedDatacenter}; fields are guarded by its monitor. */
final class SimHost {
  final String name;
  final SimulatedDriver driver;
  volatile boolean apiUp = true;
  volatile boolean peersUp = true;

  /**
   * The host's network as its agent sees it where it shares the simulation's client and peer paths;
   * with a {@link #network} of its own both stay up and the proxies cut instead.
   */
  final ApiLink links =
      new ApiLink() {
        @Override
        public boolean up() {
          return apiUp;
        }

        @Override
        public boolean peersReachable() {
          return peersUp;
        }
      };

  Set<Fault> faults = EnumSet.noneOf(Fault.class);
  HostAgent agent;
  ScheduledFuture<?> watchdog;
  boolean watchdogDisabled;
  boolean annotationSeen;
  String lastAnnotation;
  int agentStarts;
  int watchdogResets;

  /** The host's disk: the last heartbeat renewal outlives the agent process. */
  final AgentJournal journal = AgentJournal.inMemory();

  /** A real watchdog device the agent feeds, or none (then {@link #watchdog} models one). */
  final Watchdog watchdogDevice;

  /**
   * The host's own ways to the API server and its peers, or null when it shares the simulation's.
   */
  HostNetwork network;

  SimHost(
      String name,
      SimulatedDriver driver,
      AgentJournal.Entry poweredOn,
      Watchdog watchdogDevice,
      HostNetwork network) {
    this.name = name;
    this.driver = driver;
    this.watchdogDevice = watchdogDevice;
    this.network = network;
    journal.renewed(poweredOn);
  }

  void cancelWatchdog() {
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
  }

  /** Kills the host's agent, if it runs. */
  void stopAgent() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }
}
