package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.agent.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A replica writes only while it has recently seen its own renewal of the leader Lease, by its
 * monotonic clock and by the renewal's own time; reads and the leader elector's own requests always
 * pass. A write refused here never reaches the API server.
 */
@EnableKubernetesMockClient(crud = true)
class LeadershipTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  final Leadership leadership =
      new Leadership("me", "ns", "vmha-operator", Duration.ofSeconds(10), nanos::get, clock);

  Lease renewedBy(String holder, Instant when) {
    return new LeaseBuilder()
        .withNewMetadata()
        .withName("vmha-operator")
        .withNamespace("ns")
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(holder)
        .withRenewTime(when.atZone(ZoneOffset.UTC))
        .endSpec()
        .build();
  }

  void pass(Duration time) {
    nanos.addAndGet(time.toNanos());
    clock.advance(time);
  }

  @Test
  void sureOnlyWithinTheWindowAfterItsOwnRenewal() {
    assertThat(leadership.certain()).as("before any renewal").isFalse();
    leadership.observe(renewedBy("other", clock.instant()));
    assertThat(leadership.certain()).as("another replica's renewal").isFalse();
    leadership.observe(renewedBy("me", clock.instant()));
    assertThat(leadership.certain()).isTrue();
    pass(Duration.ofSeconds(9));
    assertThat(leadership.certain()).isTrue();
    pass(Duration.ofSeconds(1));
    assertThat(leadership.certain()).as("renew deadline passed").isFalse();
  }

  /**
   * After a freeze, an own renewal from before it may arrive late: seen now, but its own time says
   * it is old, so it does not make the replica sure.
   */
  @Test
  void aRenewalSeenLateAfterAFreezeDoesNotCount() {
    Instant before = clock.instant();
    pass(Duration.ofSeconds(60)); // frozen
    leadership.observe(renewedBy("me", before));
    assertThat(leadership.certain()).isFalse();
    leadership.observe(renewedBy("me", clock.instant()));
    assertThat(leadership.certain()).isTrue();
  }

  @Test
  void aWriteItIsNotSureOfNeverReachesTheApiServer() throws Exception {
    try (KubernetesClient guarded = VmhaOperator.guarded(client, "me", leadership)) {
      var settings =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName("vmha-settings")
              .withNamespace("ns")
              .endMetadata()
              .addToData("heartbeatInterval", "2s")
              .build();
      assertThatThrownBy(() -> guarded.configMaps().resource(settings).create())
          .hasStackTraceContaining("not sure to lead");
      assertThat(client.configMaps().inNamespace("ns").withName("vmha-settings").get()).isNull();
      // reads, and the leader elector's own Lease, pass
      assertThat(guarded.configMaps().inNamespace("ns").list().getItems()).isEmpty();
      guarded.leases().resource(renewedBy("me", clock.instant())).create();

      leadership.observe(renewedBy("me", clock.instant()));
      guarded.configMaps().resource(settings).create();
      assertThat(client.configMaps().inNamespace("ns").withName("vmha-settings").get()).isNotNull();
    }
  }
}
