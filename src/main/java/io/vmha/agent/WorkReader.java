package io.vmha.agent;

import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the work loop's picture of its host: its VmHost, the VMs placed on it and those migrating
 * to it, from the informers' cache, or from the API server while that cache may lag behind it
 * ({@link OwnHostCheck} for the VmHost). Without the API server it keeps the last picture, so the
 * VMs keep running.
 */
final class WorkReader {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  private final String me;
  private final ClusterView view;
  private final ApiLink api;
  private final PeerDirectory peers;
  private final OwnHostCheck ownHost;
  private final java.util.function.BooleanSupplier apiAnswers;
  private AgentWork last;
  private boolean fromApi;

  /**
   * @param ownHost checks that the cache of this host's VmHost follows the API server
   * @param apiAnswers whether the API server answers this host now (its renewals get through): only
   *     then is a check's read made, as a read through the retrying client would hold the loop
   */
  WorkReader(
      String me,
      ClusterView view,
      ApiLink api,
      PeerDirectory peers,
      OwnHostCheck ownHost,
      java.util.function.BooleanSupplier apiAnswers) {
    this.me = me;
    this.view = view;
    this.api = api;
    this.peers = peers;
    this.ownHost = ownHost;
    this.apiAnswers = apiAnswers;
  }

  /**
   * The cache may show placements of before (the API server answers again, or a fence was
   * acknowledged): read from the API server until it caught up, and check the cache of this host's
   * VmHost every heartbeat a while, as watches may not have come back.
   */
  void readFromApi() {
    fromApi = true;
    ownHost.afterOutage();
  }

  /** Drops the last picture (after a fence): the next read is a fresh one from the API server. */
  void forget() {
    last = null;
    readFromApi();
  }

  /**
   * The host's work now, or the last picture if it cannot be read (null if there is none). {@code
   * heartbeat} ticks also read the peers.
   */
  AgentWork read(boolean heartbeat) {
    if (!api.up()) {
      return last;
    }
    try {
      List<VirtualMachine> placedVms;
      if (fromApi) {
        // Read from the API server until the informer's cache has caught up with it: after a
        // fence or a partition the cache can show placements of before for seconds (its watch
        // reconnects with a back-off), and starting from it would run a VM its operator has
        // meanwhile restarted elsewhere.
        placedVms = view.listPlacedOnFromApi(me);
        fromApi = !PlacedVm.samePlacements(placedVms, view.placedOn(me));
      } else {
        placedVms = view.placedOn(me);
      }
      List<PlacedVm> placed = new ArrayList<>();
      for (VirtualMachine vm : placedVms) {
        PlacedVm p = PlacedVm.of(vm, view::template);
        if (me.equals(p.host())) {
          placed.add(p);
        }
      }
      List<PlacedVm> incoming = new ArrayList<>();
      for (VirtualMachine vm : view.migratingTo(me)) {
        incoming.add(PlacedVm.of(vm, view::template));
      }
      if (heartbeat || !peers.wasRead()) {
        peers.read(view.hosts());
      }
      VmHost self = ownHost.current(view.host(me), heartbeat && apiAnswers.getAsBoolean());
      last = new AgentWork(self, placed, incoming);
    } catch (RuntimeException e) {
      LOG.debug(
          "agent of {}: could not read its work, using the last picture: {}", me, e.toString());
    }
    return last;
  }
}
