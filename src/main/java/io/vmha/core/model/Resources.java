package io.vmha.core.model;

/** CPU in millicores and memory in MiB, the two dimensions placement accounts for. */
public record Resources(long cpuMillis, long memoryMiB) {
  public static final Resources ZERO = new Resources(0, 0);

  public Resources {
    if (cpuMillis < 0 || memoryMiB < 0) {
      throw new IllegalArgumentException(
          "negative resources: " + cpuMillis + "m/" + memoryMiB + "Mi");
    }
  }

  public static Resources of(long cpuMillis, long memoryMiB) {
    return new Resources(cpuMillis, memoryMiB);
  }

  public Resources plus(Resources other) {
    return new Resources(cpuMillis + other.cpuMillis, memoryMiB + other.memoryMiB);
  }

  public boolean fitsIn(Resources capacity) {
    return cpuMillis <= capacity.cpuMillis && memoryMiB <= capacity.memoryMiB;
  }

  @Override
  public String toString() {
    return cpuMillis + "m/" + memoryMiB + "Mi";
  }
}
