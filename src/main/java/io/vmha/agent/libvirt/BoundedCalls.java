package io.vmha.agent.libvirt;

import io.vmha.agent.AgentThreads;
import io.vmha.agent.DriverException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.libvirt.LibvirtException;

/**
 * Calls into libvirt that the agent waits on for a bounded time only. libvirtd answers a call on a
 * domain only once the domain's current job lets it, and a job waits for QEMU, which waits for the
 * disks: on storage that takes seconds per operation, a pause takes tens of seconds and a listing
 * queued behind it as long. The agent's work loop must still report its host's storage lost within
 * a tick or two, so each call runs on a daemon thread of its own and the caller waits at most its
 * limit; the call carries on in the background.
 *
 * <p>Calls are keyed (a listing, one domain's state change): while a call of a key has run past its
 * limit, the next call of that key is not queued behind it in libvirtd, but fails at once. Calls of
 * other keys go on.
 */
final class BoundedCalls implements AutoCloseable {
  private final ExecutorService threads =
      Executors.newCachedThreadPool(AgentThreads.daemon("libvirt-call"));
  private final Map<String, Long> startedAt = new ConcurrentHashMap<>();

  /** libvirt did not answer in time: it is there, but busy (its QEMU waits on storage, say). */
  abstract static class Late extends DriverException {
    Late(String message) {
      super(message);
    }
  }

  /** What a call of {@code key} found still running past its limit. */
  static final class StillRunning extends Late {
    StillRunning(String message) {
      super(message);
    }
  }

  /** A call that did not answer within its limit; it carries on in the background. */
  static final class Overran extends Late {
    Overran(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code call}, waiting at most {@code limit}.
   *
   * @param what the call, for messages ("listing its domains")
   * @throws StillRunning when an earlier call of {@code key} is still running past the limit
   * @throws Overran when this call did not answer within the limit
   * @throws LibvirtException what the call threw
   */
  <T> T call(String key, String what, Duration limit, Callable<T> call)
      throws DriverException, LibvirtException {
    long now = System.nanoTime();
    Long earlier = startedAt.putIfAbsent(key, now);
    if (earlier != null) {
      long running = now - earlier;
      if (running > limit.toNanos()) {
        throw new StillRunning(
            "libvirt has not finished "
                + what
                + " asked "
                + TimeUnit.NANOSECONDS.toSeconds(running)
                + " s ago: not asked again until it has");
      }
      // an earlier call within its limit (another thread): this one runs alongside it
    }
    Future<T> future;
    try {
      future =
          threads.submit(
              () -> {
                try {
                  return call.call();
                } finally {
                  if (earlier == null) {
                    startedAt.remove(key, now);
                  }
                }
              });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      startedAt.remove(key, now);
      throw new DriverException("the libvirt driver is closed");
    }
    try {
      return future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new Overran(
          "libvirt did not finish " + what + " within " + limit.toMillis() + " ms (still running)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("interrupted while " + what);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LibvirtException l) {
        throw l;
      }
      if (cause instanceof DriverException d) {
        throw d;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new DriverException(what + " failed: " + cause, cause);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
