package io.vmha.agent;

import io.vmha.api.AgentReport;
import io.vmha.api.VmHost;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fleet as this agent knows it for self-fencing (F4): its peers' endpoints and keys, and how
 * many hosts there are, which is what the operator's freeze (H5) counts against. Starts from the
 * journal, is read from the API server on heartbeat ticks, and answers the fencing guard's question
 * whether the peers lost the API server too.
 */
final class PeerDirectory {
  private final String me;
  private final AgentOptions options;
  private final PeerClient client;
  private final ApiLink api;
  private final Map<String, PeerClient.Peer> endpoints = new ConcurrentHashMap<>();

  /**
   * Hosts in the fleet, this one included; 0 while unknown (no journal and the API server not read
   * yet), when no outage can be confirmed.
   */
  private volatile int fleetSize;

  private boolean read;

  /**
   * @param client null where no peer is asked
   * @param remembered what the journal kept of the peers and the fleet
   */
  PeerDirectory(AgentOptions options, PeerClient client, ApiLink api, Remembered remembered) {
    this.me = options.host();
    this.options = options;
    this.client = client;
    this.api = api;
    remembered
        .peers()
        .forEach(
            (host, peer) -> {
              if (!me.equals(host)) {
                endpoints.put(host, peer);
              }
            });
    this.fleetSize = remembered.fleetSize();
  }

  /** The peers' endpoints by host, live (the heartbeat journals them). */
  Map<String, PeerClient.Peer> endpoints() {
    return endpoints;
  }

  int fleetSize() {
    return fleetSize;
  }

  /** Whether the peers were read from the cluster since the agent started. */
  boolean wasRead() {
    return read;
  }

  /**
   * Reads the peers' endpoints from the hosts' reports. Read on heartbeat ticks only (self-fencing
   * asks peers on heartbeat ticks, from what the previous one read): a fleet of N hosts then costs
   * O(N) per host per interval, not per VM event, and never O(N^2) per tick.
   */
  void read(Collection<VmHost> hosts) {
    Set<String> names = new HashSet<>(hosts.size() * 2);
    for (VmHost peer : hosts) {
      String name = peer.getMetadata().getName();
      names.add(name);
      AgentReport reported = peer.getStatus() == null ? null : peer.getStatus().getReported();
      if (!me.equals(name)
          && reported != null
          && reported.getEndpoint() != null
          && !reported.getEndpoint().isBlank()) {
        List<String> keys = reported.getPeerKeys() == null ? List.of() : reported.getPeerKeys();
        endpoints.put(name, new PeerClient.Peer(reported.getEndpoint(), List.copyOf(keys)));
      } else if (!me.equals(name)) {
        endpoints.remove(name);
      }
    }
    endpoints.keySet().retainAll(names);
    names.add(me);
    fleetSize = names.size();
    read = true;
  }

  /** What the guard asks (9.): do enough peers miss the API server for as long as this host? */
  PeerClient.Verdict ask(long renewalAgeNanos) {
    int hosts = fleetSize;
    int needed = hosts == 0 ? PeerClient.FLEET_UNKNOWN : options.peersNeededForOutage(hosts);
    if (client == null || endpoints.isEmpty() || !api.peersReachable()) {
      return PeerClient.Verdict.nobodyAsked(needed);
    }
    return client.ask(
        Map.copyOf(endpoints),
        new PeerClient.Question(
            Duration.ofNanos(renewalAgeNanos), options.outageTolerance(), needed));
  }
}
