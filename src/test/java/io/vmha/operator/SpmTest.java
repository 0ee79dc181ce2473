package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 2: the SPM role is held through the Lease vmha-spm; when the SPM host loses storage it is
 * fenced and the role moves to a running host, but only once the old Lease has expired (S3, S4).
 */
@EnableKubernetesMockClient(crud = true)
class SpmTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: pacific}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: High}
        """);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: atlantic}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: Normal}
        """);
    fleet.apply(
        """
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: indian}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: Never}
        """);
    fleet.agents.add("pacific");
    fleet.agents.add("atlantic");
    fleet.agents.add("indian");
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void spmHostLosingStorageIsFencedAndTheRoleMovesAfterTheLeaseExpires() {
    eventually(
        () -> {
          assertThat(fleet.agents.spmHolder()).isIn("pacific", "atlantic");
          assertThat(fleet.vmHost(fleet.agents.spmHolder()).getStatus().getSpm()).isTrue();
        });
    String first = fleet.agents.spmHolder();
    String second = first.equals("pacific") ? "atlantic" : "pacific";

    // the old holder's last renewal, sampled as the role moves
    java.util.concurrent.atomic.AtomicReference<Instant> lastRenewal =
        new java.util.concurrent.atomic.AtomicReference<>();
    var sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(
        () -> {
          var lease =
              client
                  .leases()
                  .inNamespace(Fleet.LEASES)
                  .withName(io.vmha.api.VmhaApi.SPM_LEASE)
                  .get();
          if (lease != null
              && first.equals(lease.getSpec().getHolderIdentity())
              && lease.getSpec().getRenewTime() != null) {
            lastRenewal.set(lease.getSpec().getRenewTime().toInstant());
          }
        },
        0,
        20,
        java.util.concurrent.TimeUnit.MILLISECONDS);

    fleet.agents.fault(first, FakeAgents.Fault.STORAGE_DOWN);

    eventually(
        () -> {
          assertThat(fleet.vmHost(first).getStatus().getFencing().getRequested()).isTrue();
          assertThat(fleet.agents.spmHolder()).isEqualTo(second);
          assertThat(fleet.vmHost(second).getStatus().getSpm()).isTrue();
          assertThat(fleet.vmHost(first).getStatus().getSpm()).isFalse();
        });
    sampler.shutdownNow();
    eventually(
        () -> {
          assertThat(fleet.eventReasons("default", second)).contains("SpmAssigned");
          assertThat(fleet.eventReasons("default", first)).contains("FencingRequested");
        });
    Instant assigned = eventTime(second, "SpmAssigned");
    assertThat(eventTime(first, "FencingRequested")).isBefore(assigned);
    // never two holders: the new one only once the old Lease (3 s) expired after its last renewal
    assertThat(Duration.between(lastRenewal.get(), assigned))
        .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    assertThat(fleet.eventReasons("default", "indian")).doesNotContain("SpmAssigned");
  }

  private static Instant eventTime(String host, String reason) {
    return fleet.events("default", host).stream()
        .filter(e -> reason.equals(e.getReason()))
        .map(Event::getEventTime)
        .map(t -> Instant.parse(t.getTime()))
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
