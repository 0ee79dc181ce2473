package io.vmha.agent;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a starting agent's fencing clock begins (R5): the journal's last acknowledged renewal, its
 * peers and its fleet, if the journal belongs to this boot and is not from the future; otherwise
 * "renewed long ago", an unknown fleet and no peers, so the agent fences unless its first renewal
 * is acknowledged within its deadline.
 *
 * @param lastRenewal the monotonic instant the fencing clock counts from
 * @param peers host to peer endpoint and keys, from the journal
 * @param fleetSize hosts in the fleet, 0 when unknown (then no outage can be confirmed)
 */
record Remembered(long lastRenewal, Map<String, PeerClient.Peer> peers, int fleetSize) {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  static Remembered from(AgentJournal journal, String bootId, long now, AgentOptions options) {
    var entry = journal.last();
    var renewal = entry.flatMap(e -> e.renewalNanos(bootId, now));
    if (entry.isPresent() && renewal.isPresent()) {
      AgentJournal.Entry e = entry.get();
      int fleet = Math.max(e.fleetSize(), e.peers().isEmpty() ? 0 : e.peers().size() + 1);
      LOG.info(
          "agent of {}: last heartbeat renewal {} ms ago ({}, journal): the self-fence clock runs"
              + " from there; {} peer(s) known in a fleet of {}",
          options.host(),
          (now - renewal.get()) / 1_000_000,
          e.renewedAt(),
          e.peers().size(),
          fleet == 0 ? "unknown size" : fleet);
      return new Remembered(renewal.get(), e.peers(), fleet);
    }
    // the first renewal, within its deadline, is all the time there is
    long allowance = options.renewalDeadline().plusMillis(100).toNanos();
    LOG.info(
        "agent of {}: no usable journal: its last renewal counts as long ago, it fences unless"
            + " it reaches the API server within {}",
        options.host(),
        options.renewalDeadline());
    return new Remembered(
        now - Math.max(0, options.selfFenceAfter().toNanos() - allowance), Map.of(), 0);
  }
}
