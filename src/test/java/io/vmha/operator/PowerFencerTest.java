package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vmha.api.VmHost;
import io.vmha.power.PowerController;
import io.vmha.power.PowerException;
import io.vmha.power.PowerFence;
import io.vmha.power.PowerFenceSettings;
import io.vmha.power.PowerState;
import io.vmha.power.RedfishClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PF2 on the operator's side: what a fence records in the host's status and Events, one fence per
 * host at a time, and where the credentials come from. The BMC here is in memory; the Redfish
 * client against a real BMC emulator is RedfishClientTest, the whole path on real hosts
 * RealDatacenterE2ETest.
 */
@EnableKubernetesMockClient(crud = true)
class PowerFencerTest {
  static final String NS = "vmha-system";
  KubernetesClient client;
  SimpleMeterRegistry registry;
  EventQueue events;
  PowerFencer fencer;
  final InMemoryBmc bmc = new InMemoryBmc();
  final AtomicBoolean holdsVms = new AtomicBoolean(true);

  /** A BMC that powers off at once, or never, as the case wants. */
  static final class InMemoryBmc implements PowerController {
    volatile PowerState state = PowerState.On;
    volatile boolean stuck;
    final AtomicInteger offRequests = new AtomicInteger();
    final AtomicInteger onRequests = new AtomicInteger();

    @Override
    public PowerState powerState() {
      return state;
    }

    @Override
    public void forceOff() {
      offRequests.incrementAndGet();
      if (!stuck) {
        state = PowerState.Off;
      }
    }

    @Override
    public void powerOn() throws PowerException {
      onRequests.incrementAndGet();
      state = PowerState.On;
    }
  }

  @BeforeEach
  void start() {
    registry = new SimpleMeterRegistry();
    FleetMetrics metrics = new FleetMetrics(registry);
    events =
        new EventQueue(
            new EventRecorder(client, Clock.systemUTC(), "test"), metrics, 100, () -> false);
    PowerFenceSettings fast =
        new PowerFenceSettings(
            Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofMillis(300), 2);
    fencer =
        new PowerFencer(
            client,
            new OwnWrites(),
            events,
            metrics,
            host -> bmc,
            new PowerFence(fast),
            Clock.systemUTC(),
            host -> holdsVms.get());
  }

  @AfterEach
  void stop() {
    fencer.close();
    events.close();
  }

  VmHost host(String name, boolean restartAfterFence) {
    client
        .resource(
            io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                """
                apiVersion: vmha.io/v1alpha1
                kind: VmHost
                metadata: {name: %s}
                spec:
                  capacity: {cpus: 4, memoryMiB: 4096}
                  powerManagement:
                    redfish: {endpoint: "https://127.0.0.1:1", systemId: "1", credentialsSecret: bmc-%s}
                    restartAfterFence: %s
                """
                    .formatted(name, name, restartAfterFence),
                VmHost.class))
        .create();
    return client.resources(VmHost.class).withName(name).get();
  }

  io.vmha.api.PowerFencingStatus record(String host) {
    VmHost current = client.resources(VmHost.class).withName(host).get();
    return current.getStatus() == null ? null : current.getStatus().getPowerFencing();
  }

  List<String> eventReasons() {
    return client.events().v1().events().inAnyNamespace().list().getItems().stream()
        .map(e -> e.getReason())
        .toList();
  }

  @Test
  void aConfirmedPowerOffIsRecordedWithItsTimeAndTold() {
    VmHost host = host("hv1", false);

    fencer.fence(host, "host hv1 is NotResponding");

    eventually(
        () -> {
          assertThat(record("hv1").getState()).isEqualTo("PoweredOff");
          assertThat(record("hv1").getConfirmedAt()).isNotNull();
          assertThat(eventReasons()).contains("PowerFencing", "FencedByPower");
        });
    assertThat(record("hv1").getAttempts()).isEqualTo(1);
    assertThat(bmc.state).isEqualTo(PowerState.Off);
    assertThat(registry.get("vmha_power_fences").tag("outcome", "PoweredOff").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void aBmcThatNeverConfirmsLeavesAFailedRecordAndAWarning() {
    bmc.stuck = true;
    VmHost host = host("hv2", false);

    fencer.fence(host, "host hv2 is NotResponding");

    eventually(
        () -> {
          assertThat(record("hv2").getState()).isEqualTo("Failed");
          assertThat(eventReasons()).contains("PowerFenceFailed");
        });
    assertThat(record("hv2").getConfirmedAt()).isNull();
    assertThat(record("hv2").getMessage()).isNotBlank();
  }

  @Test
  void aFenceAskedAgainWhileUnderWaySendsNoSecondPowerOff() throws Exception {
    bmc.stuck = true; // keeps the first fence polling for 300 ms
    VmHost host = host("hv3", false);

    fencer.fence(host, "lost");
    fencer.fence(host, "lost");
    fencer.fence(host, "lost");

    eventually(() -> assertThat(record("hv3").getState()).isEqualTo("Failed"));
    assertThat(bmc.offRequests.get()).isEqualTo(1);
  }

  @Test
  void restartAfterFencePowersTheHostOnOnceNoVmIsPlacedThere() throws Exception {
    VmHost host = host("hv4", true);

    fencer.fence(host, "lost");
    eventually(() -> assertThat(record("hv4").getState()).isEqualTo("PoweredOff"));
    Thread.sleep(1500);
    assertThat(bmc.onRequests.get()).as("its VMs are still placed there").isZero();

    holdsVms.set(false);
    eventually(() -> assertThat(bmc.state).isEqualTo(PowerState.On));
    eventually(() -> assertThat(eventReasons()).contains("PoweredOnAfterFence"));
  }

  @Test
  void clearingRemovesTheRecord() {
    VmHost host = host("hv5", false);
    fencer.fence(host, "lost");
    eventually(() -> assertThat(record("hv5").getState()).isEqualTo("PoweredOff"));

    fencer.clear(client.resources(VmHost.class).withName("hv5").get());

    eventually(() -> assertThat(record("hv5")).isNull());
  }

  @Test
  void credentialsComeFromTheNamedSecretAndAMissingOneSaysWhatToFix() throws Exception {
    VmHost host = host("hv6", false);
    RedfishBmcDirectory directory = new RedfishBmcDirectory(client, NS, Duration.ofSeconds(1));

    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> directory.open(host)))
        .isInstanceOf(BmcDirectory.Unusable.class)
        .hasMessageContaining("Secret vmha-system/bmc-hv6 does not exist");

    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bmc-hv6")
                .withNamespace(NS)
                .endMetadata()
                .addToData("username", b64("admin"))
                .build())
        .create();
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> directory.open(host)))
        .hasMessageContaining("needs the keys username and password");

    client
        .secrets()
        .inNamespace(NS)
        .withName("bmc-hv6")
        .edit(s -> new SecretBuilder(s).addToData("password", b64("s3cret\n")).build());
    PowerController opened = directory.open(host);
    assertThat(opened).isInstanceOf(RedfishClient.class);
    assertThat(((RedfishClient) opened).endpoint().credentials().password())
        .as("the newline a file-made Secret ends in is not part of the password")
        .isEqualTo("s3cret");
  }

  static String b64(String value) {
    return java.util.Base64.getEncoder().encodeToString(value.getBytes());
  }
}
