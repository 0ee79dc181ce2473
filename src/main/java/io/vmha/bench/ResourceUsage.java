package io.vmha.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** Readings of heap and CPU time, of this JVM and of the API server's processes. */
final class ResourceUsage {
  private ResourceUsage() {}

  /** Heap in use after three collections, a pause after each: System.gc() is only a request. */
  static double heapAfterGcMiB() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return memory.getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  /** CPU time of this JVM, all threads; 0 where the JVM does not tell. */
  static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  /** CPU time of the API server's own processes (user + system, from /proc); 0 for the mock. */
  static long apiServerCpuNanos(BenchApi api) {
    long total = 0;
    for (long pid : api.serverPids()) {
      try {
        String[] stat =
            Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ", 2)[1].split(" ");
        total +=
            (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) * 10_000_000L; // USER_HZ = 100
      } catch (Exception e) {
        // not Linux, or gone
      }
    }
    return total;
  }
}
