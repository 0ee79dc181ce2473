package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vmha.api.Resources;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Stopping the operator while it plans ends the plan quietly: the writes and the wake-up the
 * shutdown refuses are no planning failure, and printed a RejectedExecutionException stack trace in
 * every test that stopped an operator at the wrong moment.
 */
@EnableKubernetesMockClient(crud = true)
class FleetLoopShutdownTest {
  static KubernetesClient client;

  @Test
  void aPlanCutShortByCloseEndsWithoutAStackTrace() throws Exception {
    ClosingClock clock = new ClosingClock();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(printed, true));
    try {
      FleetLoop fleet =
          new FleetLoop(
              client,
              new OperatorOptions(
                  Settings.defaults(), false, "vmha-operator", "vmha-system", "test", -1, false),
              clock,
              new SimpleMeterRegistry());
      clock.fleet.set(fleet);
      FleetCaches caches = fleet.caches();
      // a host never heard of: its plan writes its status and wakes at the end of its grace
      caches.hosts = new ListedCache<>(host("atlantic"));
      caches.repositories = new ListedCache<>();
      caches.templates = new ListedCache<>();
      caches.vms = new ListedCache<>();
      caches.operatorLeases = new ListedCache<>();
      caches.guestLeases = new ListedCache<>();

      fleet.requestPlan("a reconcile");
      clock.planThatWasCut().join(10_000);
    } finally {
      System.setErr(err);
    }
    System.err.print(printed);
    assertThat(clock.planThatWasCut()).isNotNull();
    assertThat(printed.toString())
        .doesNotContain("RejectedExecutionException")
        .doesNotContain("planning failed");
  }

  private static VmHost host(String name) {
    VmHost host = new VmHost();
    host.setMetadata(new ObjectMetaBuilder().withName(name).build());
    VmHostSpec spec = new VmHostSpec();
    spec.setCapacity(new Resources(8, 16384));
    host.setSpec(spec);
    return host;
  }

  /** Closes the fleet loop the moment a plan starts, from the loop's own thread. */
  private static final class ClosingClock extends Clock {
    final AtomicReference<FleetLoop> fleet = new AtomicReference<>();
    private final AtomicReference<Thread> planning = new AtomicReference<>();

    Thread planThatWasCut() throws InterruptedException {
      while (planning.get() == null) {
        Thread.sleep(10);
      }
      return planning.get();
    }

    @Override
    public Instant instant() {
      Thread current = Thread.currentThread();
      if (current.getName().equals("vmha-fleet-loop") && planning.compareAndSet(null, current)) {
        fleet.get().close();
      }
      return Instant.now();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
