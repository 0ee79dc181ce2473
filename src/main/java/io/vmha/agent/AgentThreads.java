package io.vmha.agent;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The agent's threads, named after their job so a thread dump says who waits on what. */
public final class AgentThreads {
  private AgentThreads() {}

  /** {@code given}, or a new executor that {@code owned} records as the agent's to shut down. */
  static <T extends ExecutorService> T givenOrOwn(
      T given, List<ExecutorService> owned, java.util.function.Supplier<T> create) {
    if (given != null) {
      return given;
    }
    T executor = create.get();
    owned.add(executor);
    return executor;
  }

  static ScheduledExecutorService scheduled(String name) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon(name));
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  static ExecutorService pool(String name) {
    return Executors.newCachedThreadPool(daemon(name));
  }

  /** Daemon threads named after their job, for thread dumps. */
  public static java.util.concurrent.ThreadFactory daemon(String name) {
    java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "vmha-" + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
