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
 * agent can list within the timeout. A hard-mounted NFS export whose server is gone blocks such a
 * call forever, and one whose filer is overloaded answers late, so every probe runs on its own
 * daemon thread, and a probe that has not answered within the timeout, or answered later than that,
 * counts as unreachable: storage that takes seconds to list a directory is lost to the host's
 * guests too, and a late answer must not make the host flap between lost and back. While a probe of
 * a path is still running, no second one is started for it.
 *
 * <p>Results are cached briefly because the agent asks several times per tick, and every question
 * after the cache ran out waits for the probe, up to the timeout: all of one tick's questions see
 * the same answer (the agent pauses a host's guests before the host reports its storage lost). A
 * probe that is already past its timeout is not waited for again: the answer is "unreachable" at
 * once, so a hung filer costs the work loop one timeout, not one per question.
 */
public final class MountProbe implements Predicate<Path>, AutoCloseable {
  private final Duration timeout;
  private final Duration cacheFor;
  private final Predicate<Path> lister;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "vmha-mount-probe");
            t.setDaemon(true);
            return t;
          });
  private final Map<Path, Probe> running = new ConcurrentHashMap<>();
  private final Map<Path, Result> results = new ConcurrentHashMap<>();

  private record Result(boolean readable, long atNanos) {}

  private record Probe(Future<Boolean> answer, long startedNanos) {}

  public MountProbe(Duration timeout, Duration cacheFor) {
    this(timeout, cacheFor, MountProbe::readable);
  }

  /** The same, with {@code lister} in place of listing the directory (tests). */
  MountProbe(Duration timeout, Duration cacheFor, Predicate<Path> lister) {
    this.timeout = timeout;
    this.cacheFor = cacheFor;
    this.lister = lister;
  }

  /** A 5 s timeout, results cached for 1 s. */
  public static MountProbe defaults() {
    return new MountProbe(Duration.ofSeconds(5), Duration.ofSeconds(1));
  }

  @Override
  public boolean test(Path mountPoint) {
    Result cached = results.get(mountPoint);
    if (cached != null && System.nanoTime() - cached.atNanos() < cacheFor.toNanos()) {
      return cached.readable();
    }
    Probe probe = running.computeIfAbsent(mountPoint, this::start);
    long left = timeout.toNanos() - (System.nanoTime() - probe.startedNanos());
    boolean readable;
    try {
      if (left <= 0 && !probe.answer().isDone()) {
        throw new TimeoutException(); // known overdue: waiting for it again would only repeat that
      }
      readable = probe.answer().get(Math.max(0, left), TimeUnit.NANOSECONDS);
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

  /** A probe whose answer counts only if it came within the timeout. */
  private Probe start(Path mountPoint) {
    long started = System.nanoTime();
    return new Probe(
        threads.submit(
            () -> lister.test(mountPoint) && System.nanoTime() - started <= timeout.toNanos()),
        started);
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
