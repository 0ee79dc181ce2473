package io.vmha.agent;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the guest agent of every running instance whether it answers, on a thread of its own (a
 * guest that does not answer costs its timeout, never a tick of the work loop), and keeps the last
 * answers for the report: the operator turns them into the VM's {@code GuestReady} condition. It
 * also keeps since when each one has been silent, which VM monitoring (M1) judges.
 */
final class GuestAgentProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GuestAgentProbe.class);

  private final HypervisorDriver driver;
  private final java.time.Clock clock;
  private final Map<InstanceRef, Boolean> answers = new ConcurrentHashMap<>();

  /** The first unanswered ping since the last answer, per instance whose guest agent is silent. */
  private final Map<InstanceRef, java.time.Instant> silentSince = new ConcurrentHashMap<>();

  private ScheduledFuture<?> loop;

  GuestAgentProbe(HypervisorDriver driver, java.time.Clock clock) {
    this.driver = driver;
    this.clock = clock;
  }

  synchronized void start(ScheduledExecutorService executor, java.time.Duration every) {
    if (loop == null) {
      loop =
          executor.scheduleWithFixedDelay(
              this::probe, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The last answer of each running instance's guest agent; absent where none was had. */
  Map<InstanceRef, Boolean> answers() {
    return Map.copyOf(answers);
  }

  /**
   * Since when each silent guest agent has not answered; absent where it answers or none was had.
   */
  Map<InstanceRef, java.time.Instant> silentSince() {
    return Map.copyOf(silentSince);
  }

  /** Its silence starts anew: the guest was reset, and what it did before says nothing now. */
  void forgetSilence(InstanceRef instance) {
    silentSince.remove(instance);
    answers.remove(instance);
  }

  void probe() {
    try {
      Map<InstanceRef, Boolean> now = new java.util.HashMap<>();
      for (Instance instance : driver.instances()) {
        if (instance.state() == Instance.State.Running && instance.hasVm()) {
          Optional<Boolean> answer = driver.guestAgentAnswers(instance.ref());
          answer.ifPresent(a -> now.put(instance.ref(), a));
        }
      }
      answers.keySet().retainAll(now.keySet());
      answers.putAll(now);
      java.time.Instant at = clock.instant();
      silentSince.keySet().retainAll(now.keySet());
      now.forEach(
          (instance, answered) -> {
            if (answered) {
              silentSince.remove(instance);
            } else {
              silentSince.putIfAbsent(instance, at);
            }
          });
    } catch (RuntimeException e) {
      LOG.debug("guest agent probe: {}", e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.cancel(true);
      loop = null;
    }
  }
}
