package io.vmha.operator;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vmha.core.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The controllers start one by one and the first reconcile asks for a plan. A plan made then would
 * see VMs whose hosts are not listed yet and start them a second time: the first plan waits for
 * every cache.
 */
@EnableKubernetesMockClient(crud = true)
class FirstPlanTest {
  static KubernetesClient client;

  @Test
  void theFirstPlanWaitsUntilEveryInformerHasSynced() {
    FleetLoop fleet =
        new FleetLoop(
            client,
            new OperatorOptions(
                Settings.defaults(), false, "vmha-operator", "vmha-system", "test", -1, false),
            Clock.systemUTC(),
            new SimpleMeterRegistry());
    try {
      AtomicBoolean synced = new AtomicBoolean();
      fleet.firstPlanWaitsFor(
          () -> synced.get() ? List.of() : List.of("vmhost/ControllerEventSource"));
      ListedCache.lend(fleet.caches());

      fleet.requestPlan("a reconcile of the first controller to start");
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(2))
          .until(() -> fleet.lastPlan() == null);

      synced.set(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> fleet.lastPlan() != null);
    } finally {
      fleet.close();
    }
  }
}
