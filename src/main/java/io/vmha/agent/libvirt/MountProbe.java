package io.vmha.agent.libvirt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The default storage check: a repository's mount point is reachable when it is a directory the
 * agent can list. A hard-mounted NFS export whose server is gone blocks such a call forever, so
 * every probe runs on its own daemon thread and counts as unreachable when it does not answer
 * within the timeout; while a probe of a path is still hanging, no second one is started for it
 * (the path stays unreachable until the hung call returns). Results are cached briefly because the
 * agent asks several times per tick.
 */
public final class MountProbe implements Predicate<Path>, AutoCloseable {
  private final Duration timeout;
  private final Duration cacheFor;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "vmha-mount-probe");
            t.setDaemon(true);
            return t;
          });
  private final Map<Path, Future<Boolean>> running = new ConcurrentHashMap<>();
  private final Map<Path, Result> results = new ConcurrentHashMap<>();

  private record Result(boolean readable, long atNanos) {}

  public MountProbe(Duration timeout, Duration cacheFor) {
    this.timeout = timeout;
    this.cacheFor = cacheFor;
  }

  /** A 5 s timeout, results cached for 1 s. */
  public static MountProbe defaults() {
    return new MountProbe(Duration.ofSeconds(5), Duration.ofSeconds(1));
  }

  @Override
  public boolean test(Path mountPoint) {
    long now = System.nanoTime();
    Result cached = results.get(mountPoint);
    if (cached != null && now - cached.atNanos() < cacheFor.toNanos()) {
      return cached.readable();
    }
    Future<Boolean> probe =
        running.computeIfAbsent(mountPoint, p -> threads.submit(() -> readable(p)));
    boolean readable;
    try {
      readable = probe.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      running.remove(mountPoint, probe);
    } catch (TimeoutException e) {
      readable = false; // still hanging: it stays in `running`, so no second thread piles up
    } catch (ExecutionException e) {
      running.remove(mountPoint, probe);
      readable = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    results.put(mountPoint, new Result(readable, System.nanoTime()));
    return readable;
  }

  /** Lists the directory (reading one entry): a stale NFS handle fails here, not at stat. */
  static boolean readable(Path dir) {
    if (!Files.isDirectory(dir) || !Files.isReadable(dir)) {
      return false;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.iterator().hasNext();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
