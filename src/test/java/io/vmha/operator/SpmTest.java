package io.vmha.operator;

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
    fleet.apply("""
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: pacific}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: High}
        """);
    fleet.apply("""
        apiVersion: vmha.io/v1alpha1
        kind: VmHost
        metadata: {name: atlantic}
        spec: {capacity: {cpus: 16, memoryMiB: 65536}, spmPriority: Normal}
        """);
    fleet.apply("""
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
    Fleet.eventually(() -> {
      assertThat(fleet.agents.spmHolder()).isIn("pacific", "atlantic");
      assertThat(fleet.vmHost(fleet.agents.spmHolder()).getStatus().getSpm()).isTrue();
    });
    String first = fleet.agents.spmHolder();
    String second = first.equals("pacific") ? "atlantic" : "pacific";

    fleet.agents.fault(first, FakeAgents.Fault.STORAGE_DOWN);

    Fleet.eventually(() -> {
      assertThat(fleet.vmHost(first).getStatus().getFencing().getRequested()).isTrue();
      assertThat(fleet.agents.spmHolder()).isEqualTo(second);
      assertThat(fleet.vmHost(second).getStatus().getSpm()).isTrue();
      assertThat(fleet.vmHost(first).getStatus().getSpm()).isFalse();
    });
    Instant fencingRequested = eventTime(first, "FencingRequested");
    Instant assigned = eventTime(second, "SpmAssigned");
    // pacific renewed the lease at most one heartbeat before fencing was requested
    assertThat(Duration.between(fencingRequested, assigned))
        .isGreaterThanOrEqualTo(Duration.ofMillis(3000).minus(Duration.ofMillis(400)));
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
