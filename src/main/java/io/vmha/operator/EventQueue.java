package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet loop's Events, sent behind its decisions by a few threads of their own. A failover of
 * 300 VMs produces 300–600 Events; written in line they held the next plan (the one that records
 * each VM as Running) for as long as the API server took to store them. Here they take what the API
 * server has left over: two senders, which also hold back while the fleet loop is writing a plan
 * (for at most {@link #MAX_HOLD}), so a failover's Events never slow the failover itself.
 *
 * <p>Events inform and are best effort, like client-go's recorder: when more than {@code capacity}
 * wait, new ones are dropped and counted ({@code vmha_events_dropped}), so a storm of decisions
 * never grows the heap without bound.
 */
final class EventQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventQueue.class);
  private static final int SENDERS = 2;

  /** An Event waits for the fleet loop's writes at most this long, then goes out regardless. */
  static final Duration MAX_HOLD = Duration.ofSeconds(10);

  private final EventRecorder recorder;
  private final FleetMetrics metrics;
  private final BlockingQueue<Pending> waiting;
  private final java.util.function.BooleanSupplier writing;
  private final ExecutorService senders;
  private volatile boolean closed;

  private record Pending(Runnable send, long queuedNanos) {}

  /**
   * @param writing true while the fleet loop writes a plan: Events wait for it to finish
   */
  EventQueue(
      EventRecorder recorder,
      FleetMetrics metrics,
      int capacity,
      java.util.function.BooleanSupplier writing) {
    this.recorder = recorder;
    this.metrics = metrics;
    this.writing = writing;
    this.waiting = new ArrayBlockingQueue<>(capacity);
    this.senders =
        Executors.newFixedThreadPool(
            SENDERS,
            r -> {
              Thread t = new Thread(r, "vmha-events");
              t.setDaemon(true);
              return t;
            });
    for (int i = 0; i < SENDERS; i++) {
      senders.execute(this::send);
    }
  }

  /**
   * Queues an Event about {@code regarding}; {@code when} is the moment of the decision, which is
   * the time the Event carries.
   */
  void record(
      HasMetadata regarding,
      EventRecorder.Type type,
      String reason,
      String action,
      String note,
      Instant when) {
    if (closed || regarding == null) {
      return;
    }
    if (!waiting.offer(
        new Pending(
            () -> recorder.record(regarding, type, reason, action, note, when),
            System.nanoTime()))) {
      metrics.eventDropped();
      log.debug("event queue full: dropped {} on {}", reason, regarding.getMetadata().getName());
    }
  }

  /** Events not yet sent. */
  int backlog() {
    return waiting.size();
  }

  private void send() {
    while (!closed) {
      try {
        Pending event = waiting.poll(200, TimeUnit.MILLISECONDS);
        if (event == null) {
          continue;
        }
        while (writing.getAsBoolean()
            && !closed
            && System.nanoTime() - event.queuedNanos() < MAX_HOLD.toNanos()) {
          Thread.sleep(20);
        }
        event.send().run(); // EventRecorder logs and swallows its own failures
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Stops sending; gives the backlog up to {@code grace} to go out first (a leader that steps down
   * still reports what it decided).
   */
  void close(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    while (!waiting.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closed = true;
    int left = waiting.size();
    waiting.clear();
    senders.shutdownNow();
    if (left > 0) {
      log.info("{} events not sent at shutdown", left);
    }
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }
}
