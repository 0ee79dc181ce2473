package io.vmha.testbed;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A watchdog device for a real agent process, with softdog's semantics: a FIFO the agent opens as
 * {@code --watchdog-device}; every byte written feeds it, a {@code V} disarms it until the next
 * feed, and a writer that dies or hangs without the magic close leaves it armed. When it goes unfed
 * for its timeout it "resets the host": the agent process (whose simulated hypervisor holds the
 * host's VMs) is killed, as a reset kills every guest on the machine.
 */
public final class WatchdogFifo implements AutoCloseable {
  public final Path path;
  private final Duration timeout;
  private final ScheduledExecutorService threads =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            // the reader may block in open() for good if no agent ever opens the FIFO
            Thread thread = new Thread(r, "watchdog-fifo");
            thread.setDaemon(true);
            return thread;
          });
  private volatile ProcessHandle host;
  private volatile Runnable alsoReset = () -> {};
  private volatile long lastFedNanos;
  private volatile boolean armed;
  private volatile long resetAtNanos;

  private WatchdogFifo(Path path, Duration timeout) {
    this.path = path;
    this.timeout = timeout;
  }

  /** Makes the FIFO and starts serving it; the agent started next opens it. */
  public static WatchdogFifo serve(Path path, Duration timeout) throws IOException {
    try {
      if (new ProcessBuilder("mkfifo", path.toString()).start().waitFor() != 0) {
        throw new IOException("mkfifo " + path + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    WatchdogFifo fifo = new WatchdogFifo(path, timeout);
    fifo.threads.execute(fifo::read);
    fifo.threads.scheduleWithFixedDelay(fifo::bite, 50, 50, TimeUnit.MILLISECONDS);
    return fifo;
  }

  /** The process this watchdog resets, and what else a reset of its host kills. */
  public void guard(ProcessHandle process, Runnable alsoReset) {
    this.host = process;
    this.alsoReset = alsoReset;
  }

  /** When it reset the host ({@link System#nanoTime}), or 0 if it never did. */
  public long resetAtNanos() {
    return resetAtNanos;
  }

  private void read() {
    // opening blocks until an agent opens its end: that open arms the device; when the agent lets
    // go, the device stays as its last byte left it, and the next agent to open it takes it over
    while (!Thread.currentThread().isInterrupted()) {
      try (InputStream in = new FileInputStream(path.toFile())) {
        int b;
        while ((b = in.read()) >= 0) {
          lastFedNanos = System.nanoTime();
          armed = b != 'V';
        }
      } catch (IOException e) {
        return; // the FIFO went away with the test: nothing more to read
      }
    }
  }

  private void bite() {
    ProcessHandle guarded = host;
    if (guarded == null || !armed || resetAtNanos != 0) {
      return;
    }
    if (System.nanoTime() - lastFedNanos > timeout.toNanos()) {
      resetAtNanos = System.nanoTime();
      guarded.destroyForcibly();
      alsoReset.run();
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
