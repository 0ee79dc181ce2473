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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Stopping the operator while it plans ends the plan quietly: the writes and the wake-up the
 * shutdown refuses are no planning failure, and printed a RejectedExecutionException stack trace in
 * tests that stopped an operator at the wrong moment.
 */
@EnableKubernetesMockClient(crud = true)
class FleetLoopShutdownTest {
  static KubernetesClient client;

  @Test
  void aPlanCutShortByCloseEndsWithoutAStackTrace() throws Exception {
    AtomicReference<FleetLoop> fleet = new AtomicReference<>();
    AtomicReference<Thread> planning = new AtomicReference<>();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(printed, true));
    try {
      fleet.set(
          new FleetLoop(
              client,
              new OperatorOptions(
                  Settings.defaults(), false, "vmha-operator", "vmha-system", "test", -1, false),
              Clock.systemUTC(),
              new SimpleMeterRegistry(),
              () -> {
                // asked on the loop's thread just before it plans: the operator stops right then
                if (planning.compareAndSet(null, Thread.currentThread())) {
                  fleet.get().close();
                }
                return true;
              }));
      // a host never heard of: its plan writes its status and wakes at the end of its grace
      ListedCache.lend(fleet.get().caches(), host("atlantic"));
      fleet.get().requestPlan("a reconcile");
      while (planning.get() == null) {
        Thread.sleep(10);
      }
      planning.get().join(10_000);
    } finally {
      System.setErr(err);
    }
    System.err.print(printed);
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
}
