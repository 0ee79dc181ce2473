package io.vmha.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmha.power.FenceOutcome;
import io.vmha.power.PowerException;
import io.vmha.power.PowerFence;
import io.vmha.power.PowerFenceSettings;
import io.vmha.power.PowerState;
import io.vmha.power.RecordingBmc;
import io.vmha.power.RedfishClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The emulated BMCs as the real-datacenter tests will use them: a ForceOff runs the host's hook
 * (there: crash that libvirt host) before the BMC can ever say Off.
 */
class RedfishBmcsTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  @BeforeAll
  static void needsSushyTools() {
    if (!RedfishBmcs.isInstalled()) {
      System.out.println("SKIPPED RedfishBmcsTest: " + RedfishBmcs.hint());
    }
    assumeTrue(RedfishBmcs.isInstalled(), RedfishBmcs.hint());
  }

  @Test
  void thePowerOffHookHasRunBeforeAnyReadSaysOff() throws Exception {
    try (RedfishBmcs bmcs = RedfishBmcs.start("pacific")) {
      RedfishClient observer = new RedfishClient(bmcs.endpoint("pacific"), REQUEST_TIMEOUT);
      AtomicReference<Instant> hookEnded = new AtomicReference<>();
      AtomicInteger hookRuns = new AtomicInteger();
      List<PowerState> seenInHook = new CopyOnWriteArrayList<>();
      bmcs.onForceOff(
          "pacific",
          () -> {
            hookRuns.incrementAndGet();
            // a host crash takes a while; the BMC must say On all along
            for (int i = 0; i < 5; i++) {
              seenInHook.add(read(observer));
              pause(Duration.ofMillis(300));
            }
            hookEnded.set(Instant.now());
          });
      // another client reads all through the fence, as the operator's status does
      List<RecordingBmc.Call> offReads = new CopyOnWriteArrayList<>();
      AtomicBoolean fencing = new AtomicBoolean(true);
      RecordingBmc watcher = new RecordingBmc(observer);
      Thread watching =
          new Thread(
              () -> {
                while (fencing.get()) {
                  read(watcher);
                  pause(Duration.ofMillis(50));
                }
              });
      watching.start();
      RecordingBmc fenced =
          new RecordingBmc(new RedfishClient(bmcs.endpoint("pacific"), REQUEST_TIMEOUT));

      FenceOutcome outcome =
          new PowerFence(
                  new PowerFenceSettings(
                      REQUEST_TIMEOUT, Duration.ofMillis(250), Duration.ofSeconds(20), 3))
              .fence(fenced);
      fencing.set(false);
      watching.join();

      assertThat(outcome.poweredOff()).as(outcome.message()).isTrue();
      assertThat(hookRuns).hasValue(1);
      assertThat(seenInHook).hasSize(5).containsOnly(PowerState.On);
      // the BMC accepted the power-off only once the hook had returned
      RecordingBmc.Call forceOff =
          fenced.calls().stream().filter(c -> c.what().equals("forceOff")).findFirst().get();
      assertThat(forceOff.ended()).isAfter(hookEnded.get());
      for (RecordingBmc.Call read : concat(watcher.calls(), fenced.calls())) {
        if (read.result().equals("Off")) {
          offReads.add(read);
          assertThat(read.started()).as("a read that says Off").isAfter(hookEnded.get());
        }
      }
      assertThat(offReads).isNotEmpty();
    }
  }

  @Test
  void aHookThatFailsFailsThePowerOff() throws Exception {
    try (RedfishBmcs bmcs = RedfishBmcs.start("indian")) {
      bmcs.onForceOff(
          "indian",
          () -> {
            throw new IllegalStateException("host indian did not crash");
          });
      RedfishClient client = new RedfishClient(bmcs.endpoint("indian"), REQUEST_TIMEOUT);

      assertThatThrownBy(client::forceOff)
          .isInstanceOfSatisfying(
              PowerException.class,
              e -> assertThat(e.kind()).isEqualTo(PowerException.Kind.ServerError))
          .hasMessageContaining("power-off hook of indian failed")
          .hasMessageContaining("host indian did not crash");
      assertThat(client.powerState()).isEqualTo(PowerState.On);
    }
  }

  @Test
  void aStuckBmcAcceptsThePowerOffAndRunsNoHook() throws Exception {
    try (RedfishBmcs bmcs = RedfishBmcs.builder().stuck("arctic").start()) {
      AtomicInteger hookRuns = new AtomicInteger();
      bmcs.onForceOff("arctic", hookRuns::incrementAndGet);
      RedfishClient client = new RedfishClient(bmcs.endpoint("arctic"), REQUEST_TIMEOUT);

      client.forceOff();

      assertThat(hookRuns).hasValue(0);
      assertThat(client.powerState()).isEqualTo(PowerState.On);
    }
  }

  @Test
  void certificatesMadeWithKeytoolServeLikeOpensslOnes() throws Exception {
    try (RedfishBmcs bmcs = RedfishBmcs.builder().hosts("southern").withKeytool().start()) {
      RedfishClient verified = new RedfishClient(bmcs.endpoint("southern"), REQUEST_TIMEOUT);

      assertThat(verified.powerState()).isEqualTo(PowerState.On);
      assertThat(bmcs.caPem()).startsWith("-----BEGIN CERTIFICATE-----");
    }
  }

  private static PowerState read(io.vmha.power.PowerController bmc) {
    try {
      return bmc.powerState();
    } catch (PowerException e) {
      return PowerState.Unknown;
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<RecordingBmc.Call> concat(
      List<RecordingBmc.Call> a, List<RecordingBmc.Call> b) {
    List<RecordingBmc.Call> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
