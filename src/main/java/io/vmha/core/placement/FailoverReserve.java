package io.vmha.core.placement;

import io.vmha.core.health.HostState;
import java.util.List;

/**
 * P5: with {@code reserveHosts: N}, a new VM may be placed only if the HA VMs of N failed hosts
 * could still be re-placed afterwards.
 *
 * <p>The N hosts checked are those with the largest HA load (by memory, then cpu): their HA load
 * must fit, per dimension, into the free capacity of the other schedulable hosts. The check sums
 * free capacity across hosts, so it ignores fragmentation: a VM larger than any single free gap
 * passes it. Fragmentation-aware packing is left for later.
 */
public final class FailoverReserve {
  private final List<HostState> hosts;
  private final CapacityLedger ledger;
  private final int reserveHosts;

  public FailoverReserve(List<HostState> hosts, CapacityLedger ledger, int reserveHosts) {
    this.hosts = hosts;
    this.ledger = ledger;
    this.reserveHosts = reserveHosts;
  }

  public boolean isActive() {
    return reserveHosts > 0;
  }

  /** Whether the reserve still holds once the ledger includes the new VM. */
  public boolean holds() {
    int[] failing = new int[reserveHosts];
    java.util.Arrays.fill(failing, -1);
    long freeCpu = 0;
    long freeMemory = 0;
    for (HostState host : hosts) {
      int i = host.index();
      if (host.acceptsVms()) {
        freeCpu += Math.max(0, ledger.freeCpu(i));
        freeMemory += Math.max(0, ledger.freeMemory(i));
      }
      if (host.isUp()) {
        insertByHaLoad(failing, i);
      }
    }
    long lostCpu = 0;
    long lostMemory = 0;
    for (int i : failing) {
      if (i < 0) {
        continue;
      }
      lostCpu += ledger.haCpu(i);
      lostMemory += ledger.haMemory(i);
      if (hosts.get(i).acceptsVms()) {
        freeCpu -= Math.max(0, ledger.freeCpu(i));
        freeMemory -= Math.max(0, ledger.freeMemory(i));
      }
    }
    return lostCpu <= freeCpu && lostMemory <= freeMemory;
  }

  /** Keeps {@code top} as the hosts with the largest HA load, largest first. */
  private void insertByHaLoad(int[] top, int host) {
    for (int i = 0; i < top.length; i++) {
      if (top[i] < 0 || heavier(host, top[i])) {
        System.arraycopy(top, i, top, i + 1, top.length - i - 1);
        top[i] = host;
        return;
      }
    }
  }

  private boolean heavier(int a, int b) {
    if (ledger.haMemory(a) != ledger.haMemory(b)) {
      return ledger.haMemory(a) > ledger.haMemory(b);
    }
    return ledger.haCpu(a) > ledger.haCpu(b);
  }

  public String describe() {
    return "placing it would leave too little room to re-place the HA VMs of "
        + reserveHosts
        + (reserveHosts == 1 ? " failed host" : " failed hosts")
        + " (failover.reserveHosts)";
  }
}
