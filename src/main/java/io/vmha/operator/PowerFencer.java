package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.PowerFencingStatus;
import io.vmha.api.VmHost;
import io.vmha.core.model.PowerFenceView;
import io.vmha.power.FenceOutcome;
import io.vmha.power.PowerController;
import io.vmha.power.PowerFence;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out PF2: powers a lost host off through its BMC, off the planning thread (a BMC may take
 * a minute to confirm), one fence per host at a time, and records each step in the host's {@code
 * status.powerFencing}, which the next plan reads: PoweringOff before the first request, then
 * PoweredOff with the BMC's confirmation, or Failed with why.
 *
 * <p>With {@code restartAfterFence} the host is powered on again once no VM is placed on it any
 * more: it rejoins empty, as its guests died with the power.
 */
final class PowerFencer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PowerFencer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration EMPTY_CHECK = Duration.ofSeconds(1);
  private static final Duration EMPTY_AT_MOST = Duration.ofMinutes(5);

  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final EventQueue events;
  private final FleetMetrics metrics;
  private final BmcDirectory bmcs;
  private final PowerFence procedure;
  private final Clock clock;
  private final Predicate<String> holdsVms;
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "vmha-power-fence");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

  /**
   * @param holdsVms whether any VM is still placed on the named host
   */
  PowerFencer(
      KubernetesClient client,
      OwnWrites ownWrites,
      EventQueue events,
      FleetMetrics metrics,
      BmcDirectory bmcs,
      PowerFence procedure,
      Clock clock,
      Predicate<String> holdsVms) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.events = events;
    this.metrics = metrics;
    this.bmcs = bmcs;
    this.procedure = procedure;
    this.clock = clock;
    this.holdsVms = holdsVms;
  }

  /** Starts a fence of {@code host} unless one is already under way. */
  void fence(VmHost host, String reason) {
    String name = host.getMetadata().getName();
    if (inFlight.putIfAbsent(name, Boolean.TRUE) != null) {
      return;
    }
    try {
      pool.execute(
          () -> {
            try {
              run(host, reason);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
              log.warn("power fence of host {} ended early: {}", name, e.toString());
            } finally {
              inFlight.remove(name);
            }
          });
    } catch (RejectedExecutionException closing) {
      inFlight.remove(name);
    }
  }

  boolean fencing(String host) {
    return inFlight.containsKey(host);
  }

  /** PF5: the host renewed its heartbeat after its last fence. */
  void clear(VmHost host) {
    if (inFlight.containsKey(host.getMetadata().getName())) {
      return; // the fence under way writes its own end
    }
    try {
      pool.execute(
          () -> {
            try {
              writeStatus(host.getMetadata().getName(), null);
            } catch (RuntimeException e) {
              log.debug(
                  "clearing the power fence of {}: {}", host.getMetadata().getName(), e.toString());
            }
          });
    } catch (RejectedExecutionException closing) {
      // shutting down: the next leader clears it
    }
  }

  private void run(VmHost host, String reason) throws InterruptedException {
    String name = host.getMetadata().getName();
    Instant requestedAt = clock.instant();
    PowerFencingStatus status = new PowerFencingStatus();
    status.setState(PowerFenceView.State.PoweringOff.name());
    status.setRequestedAt(Timestamps.format(requestedAt));
    status.setAttempts(0);
    status.setMessage(reason + "; powering it off through its BMC");
    VmHost written = writeStatus(name, status);
    events.record(
        written,
        EventRecorder.Type.Warning,
        "PowerFencing",
        "Fence",
        status.getMessage(),
        requestedAt);
    log.warn("host {}: {}", name, status.getMessage());

    FenceOutcome outcome;
    try {
      PowerController bmc = bmcs.open(host);
      outcome = procedure.fence(bmc);
    } catch (BmcDirectory.Unusable e) {
      outcome =
          new FenceOutcome(
              FenceOutcome.Result.Refused,
              e.getMessage(),
              0,
              Duration.between(requestedAt, clock.instant()),
              io.vmha.power.PowerState.Unknown);
    }
    Instant ended = clock.instant();
    metrics.powerFence(outcome.result().name(), Duration.between(requestedAt, ended));
    status.setAttempts(outcome.attempts());
    status.setMessage(outcome.message());
    if (outcome.poweredOff()) {
      status.setState(PowerFenceView.State.PoweredOff.name());
      status.setConfirmedAt(Timestamps.format(ended));
      written = writeStatus(name, status);
      events.record(
          written,
          EventRecorder.Type.Warning,
          "FencedByPower",
          "Fence",
          "host "
              + name
              + " is powered off (the BMC confirmed after "
              + seconds(Duration.between(requestedAt, ended))
              + "): its VMs restart elsewhere",
          ended);
      log.warn("host {} powered off: {}", name, outcome.message());
      if (restartAfterFence(host)) {
        powerOnWhenEmpty(host, ended.plus(EMPTY_AT_MOST));
      }
    } else {
      status.setState(PowerFenceView.State.Failed.name());
      written = writeStatus(name, status);
      events.record(
          written,
          EventRecorder.Type.Warning,
          "PowerFenceFailed",
          "Fence",
          "host "
              + name
              + " could not be powered off ("
              + outcome.result()
              + "): "
              + outcome.message()
              + "; its VMs restart elsewhere once it must have fenced itself",
          ended);
      log.warn("host {} power fence failed: {}", name, outcome.message());
    }
  }

  private static boolean restartAfterFence(VmHost host) {
    var power = host.getSpec().getPowerManagement();
    return power != null && Boolean.TRUE.equals(power.getRestartAfterFence());
  }

  /**
   * Waits until no VM is placed on the host (the plans that follow the confirmation re-place them)
   * and powers it on; after {@code latest} it powers on anyway, as nothing of the old guests runs.
   */
  private void powerOnWhenEmpty(VmHost host, Instant latest) throws InterruptedException {
    String name = host.getMetadata().getName();
    while (holdsVms.test(name) && clock.instant().isBefore(latest)) {
      Thread.sleep(EMPTY_CHECK.toMillis());
    }
    try {
      FenceOutcome on = procedure.powerOn(bmcs.open(host));
      events.record(
          host,
          on.result() == FenceOutcome.Result.PoweredOn
              ? EventRecorder.Type.Normal
              : EventRecorder.Type.Warning,
          on.result() == FenceOutcome.Result.PoweredOn ? "PoweredOnAfterFence" : "PowerOnFailed",
          "Fence",
          "host " + name + ": " + on.message(),
          clock.instant());
    } catch (BmcDirectory.Unusable e) {
      events.record(
          host,
          EventRecorder.Type.Warning,
          "PowerOnFailed",
          "Fence",
          e.getMessage(),
          clock.instant());
    }
  }

  private VmHost writeStatus(String host, PowerFencingStatus status) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("status").set("powerFencing", JSON.valueToTree(status));
    VmHost written =
        io.vmha.kube.Patches.target(client, VmHost.class, null, host)
            .subresource("status")
            .patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
    ownWrites.record(written);
    return written;
  }

  private static String seconds(Duration duration) {
    return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
