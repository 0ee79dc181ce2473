package io.vmha.bench;

import io.micrometer.core.instrument.Timer;
import io.vmha.kube.ApiRequestCounter;
import io.vmha.operator.VmhaOperator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** The operator in the bench's JVM, on a client whose requests are counted. */
final class InProcessOperator implements OperatorUnderTest {
  private final VmhaOperator operator;
  private final ApiRequestCounter requests;

  InProcessOperator(VmhaOperator operator, ApiRequestCounter requests) {
    this.operator = operator;
    this.requests = requests;
  }

  @Override
  public Map<String, Long> requestCounts() {
    return requests.counts();
  }

  /** CPU of the operator's own threads, by group: fleet loop, writers, reconcilers. */
  @Override
  public Map<String, Double> cpuSeconds() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Double> cpu = new TreeMap<>();
    for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
      String name = info.getThreadName();
      String group =
          name.startsWith("vmha-fleet-loop")
              ? "fleetLoop"
              : name.startsWith("vmha-writer")
                  ? "writers"
                  : name.startsWith("vmha-events")
                      ? "events"
                      : name.startsWith("ReconcilerExecutor") ? "reconcilers" : null;
      if (group != null) {
        long nanos = threads.getThreadCpuTime(info.getThreadId());
        if (nanos > 0) {
          cpu.merge(group, nanos / 1e9, Double::sum);
        }
      }
    }
    return cpu;
  }

  @Override
  public PlanStats plans() {
    Timer timer = operator.registry().find("vmha_plan_duration").timer();
    return timer == null
        ? new PlanStats(0, 0, 0)
        : new PlanStats(
            timer.count(), timer.totalTime(TimeUnit.SECONDS), timer.max(TimeUnit.SECONDS));
  }

  @Override
  public double heapAfterGcMiB() {
    return Double.NaN;
  }

  @Override
  public void close() {
    operator.close();
  }
}
