package io.vmha.core.placement;

import io.vmha.core.health.HostState;
import java.util.List;

/**
 * P5: with {@code reserveHosts: N}, a new VM may be placed only if the HA VMs of any N hosts
 * could still be re-placed afterwards.
 *
 * <p>The check is a conservative bound, per dimension (cpu, memory): the N largest HA loads must
 * fit into the free capacity of the schedulable hosts minus the N largest free capacities (as if
 * the hosts that fail were also the ones with most room). It ignores fragmentation across hosts.
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
    long[] topHaCpu = new long[reserveHosts];
    long[] topHaMemory = new long[reserveHosts];
    long[] topFreeCpu = new long[reserveHosts];
    long[] topFreeMemory = new long[reserveHosts];
    long freeCpu = 0;
    long freeMemory = 0;
    for (HostState host : hosts) {
      int i = host.index();
      if (host.isUp()) {
        insert(topHaCpu, ledger.haCpu(i));
        insert(topHaMemory, ledger.haMemory(i));
      }
      if (host.acceptsVms()) {
        long cpu = Math.max(0, ledger.freeCpu(i));
        long memory = Math.max(0, ledger.freeMemory(i));
        freeCpu += cpu;
        freeMemory += memory;
        insert(topFreeCpu, cpu);
        insert(topFreeMemory, memory);
      }
    }
    return sum(topHaCpu) <= freeCpu - sum(topFreeCpu)
        && sum(topHaMemory) <= freeMemory - sum(topFreeMemory);
  }

  public String describe() {
    return "placing it would leave too little room to re-place the HA VMs of "
        + reserveHosts
        + (reserveHosts == 1 ? " failed host" : " failed hosts")
        + " (failover.reserveHosts)";
  }

  /** Keeps {@code top} as the largest values seen, in descending order. */
  private static void insert(long[] top, long value) {
    for (int i = 0; i < top.length; i++) {
      if (value > top[i]) {
        System.arraycopy(top, i, top, i + 1, top.length - i - 1);
        top[i] = value;
        return;
      }
    }
  }

  private static long sum(long[] values) {
    long total = 0;
    for (long value : values) {
      total += value;
    }
    return total;
  }
}
