package io.vmha.core.placement;

import io.vmha.core.model.Resources;

/**
 * Per-host allocation during one plan, indexed by host. Every decision is "assumed" here at once,
 * so two decisions of one plan never take the same capacity. HA load (what failover would have to
 * re-place) is tracked apart for the reserve check (P5).
 */
public final class CapacityLedger {
  private final long[] capacityCpu;
  private final long[] capacityMemory;
  private final long[] usedCpu;
  private final long[] usedMemory;
  private final int[] vmCount;
  private final long[] haCpu;
  private final long[] haMemory;

  public CapacityLedger(Resources[] capacities) {
    int n = capacities.length;
    capacityCpu = new long[n];
    capacityMemory = new long[n];
    for (int i = 0; i < n; i++) {
      capacityCpu[i] = capacities[i].cpuMillis();
      capacityMemory[i] = capacities[i].memoryMiB();
    }
    usedCpu = new long[n];
    usedMemory = new long[n];
    vmCount = new int[n];
    haCpu = new long[n];
    haMemory = new long[n];
  }

  public int size() {
    return usedCpu.length;
  }

  public void add(int host, Resources resources, boolean failoverProtected) {
    usedCpu[host] += resources.cpuMillis();
    usedMemory[host] += resources.memoryMiB();
    vmCount[host]++;
    if (failoverProtected) {
      haCpu[host] += resources.cpuMillis();
      haMemory[host] += resources.memoryMiB();
    }
  }

  /** Adds load that is not a VM placement (instances nothing tracks any more). */
  public void addUntracked(int host, Resources resources) {
    usedCpu[host] += resources.cpuMillis();
    usedMemory[host] += resources.memoryMiB();
  }

  public void removeUntracked(int host, Resources resources) {
    usedCpu[host] -= resources.cpuMillis();
    usedMemory[host] -= resources.memoryMiB();
  }

  public void remove(int host, Resources resources, boolean failoverProtected) {
    usedCpu[host] -= resources.cpuMillis();
    usedMemory[host] -= resources.memoryMiB();
    vmCount[host]--;
    if (failoverProtected) {
      haCpu[host] -= resources.cpuMillis();
      haMemory[host] -= resources.memoryMiB();
    }
  }

  public long capacityCpu(int host) {
    return capacityCpu[host];
  }

  public long capacityMemory(int host) {
    return capacityMemory[host];
  }

  public long freeCpu(int host) {
    return capacityCpu[host] - usedCpu[host];
  }

  public long freeMemory(int host) {
    return capacityMemory[host] - usedMemory[host];
  }

  public long haCpu(int host) {
    return haCpu[host];
  }

  public long haMemory(int host) {
    return haMemory[host];
  }

  public Resources allocated(int host) {
    return new Resources(Math.max(0, usedCpu[host]), Math.max(0, usedMemory[host]));
  }

  public int vmCount(int host) {
    return vmCount[host];
  }
}
