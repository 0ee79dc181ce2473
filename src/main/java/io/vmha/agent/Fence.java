package io.vmha.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops every instance vmha runs on this host, in parallel, and checks that none is left (R4). A
 * start that raced with the fence shows up in the check and is stopped in the next round; rounds go
 * on until the host is clean or the budget is spent. Instances vmha did not create (no VM) are left
 * alone: they never had a copy elsewhere.
 */
public final class Fence {
  private static final Logger LOG = LoggerFactory.getLogger(Fence.class);

  /**
   * How a fence ended.
   *
   * @param stopped instances stopped
   * @param survivors instances still there when the budget ran out (empty: clean)
   * @param took how long it took
   */
  public record Result(int stopped, List<InstanceRef> survivors, Duration took) {
    public boolean clean() {
      return survivors.isEmpty();
    }
  }

  /** Between two rounds: a stop that failed at once is not retried in a tight loop. */
  private static final long ROUND_PAUSE_NANOS = 50_000_000L;

  private final String host;
  private final HypervisorDriver driver;
  private final ExecutorService stoppers;
  private final Duration budget;

  /**
   * @param stoppers runs the stops; as many threads as instances are stopped at once
   * @param budget how long the fence may take before it gives up (then the watchdog must reset)
   */
  public Fence(String host, HypervisorDriver driver, ExecutorService stoppers, Duration budget) {
    this.host = host;
    this.driver = driver;
    this.stoppers = stoppers;
    this.budget = budget;
  }

  public Duration budget() {
    return budget;
  }

  public Result stopAll() {
    long start = System.nanoTime();
    long deadline = start + budget.toNanos();
    int stopped = 0;
    List<InstanceRef> left = vmhaInstances();
    while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
      List<Future<?>> stops = new ArrayList<>();
      for (InstanceRef instance : left) {
        stops.add(stoppers.submit(() -> stop(instance)));
      }
      for (Future<?> stop : stops) {
        try {
          stop.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          stopped++;
        } catch (TimeoutException e) {
          break;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        } catch (java.util.concurrent.ExecutionException e) {
          // reported by stop(); the check below sees the instance still there
        }
      }
      left = vmhaInstances();
      if (!left.isEmpty()) {
        pause(Math.min(ROUND_PAUSE_NANOS, deadline - System.nanoTime()));
      }
    }
    return new Result(stopped, left, Duration.ofNanos(System.nanoTime() - start));
  }

  private static void pause(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Void stop(InstanceRef instance) throws DriverException {
    try {
      driver.stop(instance);
      return null;
    } catch (DriverException | RuntimeException e) {
      LOG.error("agent of {}: could not stop {} while fencing: {}", host, instance, e.getMessage());
      throw e;
    }
  }

  private List<InstanceRef> vmhaInstances() {
    List<InstanceRef> refs = new ArrayList<>();
    for (Instance instance : driver.instances()) {
      if (instance.hasVm()) {
        refs.add(instance.ref());
      }
    }
    return refs;
  }
}
