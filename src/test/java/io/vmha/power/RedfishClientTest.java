package io.vmha.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmha.power.FenceOutcome.Result;
import io.vmha.power.PowerException.Kind;
import io.vmha.testbed.RedfishBmcs;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redfish client and the fence procedure against real BMCs: sushy-tools' emulator over HTTPS
 * with basic auth, which, like hardware, carries out a power request up to 11 s after accepting it.
 */
class RedfishClientTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  // the emulator takes up to 11 s to carry out a power request
  private static final PowerFenceSettings SETTINGS =
      new PowerFenceSettings(REQUEST_TIMEOUT, Duration.ofMillis(250), Duration.ofSeconds(20), 3);

  private static RedfishBmcs bmcs;

  @BeforeAll
  static void startBmcs() throws Exception {
    skipUnless(RedfishBmcs.isInstalled(), RedfishBmcs.hint());
    bmcs =
        RedfishBmcs.builder()
            .hosts("atlantic", "pacific", "indian", "arctic", "southern")
            .stuck("caspian")
            .start();
  }

  @AfterAll
  static void stopBmcs() {
    if (bmcs != null) {
      bmcs.close();
    }
  }

  @Test
  void readsTheHostsPowerState() throws Exception {
    assertThat(client("atlantic").powerState()).isEqualTo(PowerState.On);
  }

  @Test
  void aFenceCutsThePowerAndWaitsUntilTheBmcReportsOff() throws Exception {
    RecordingBmc bmc = new RecordingBmc(client("pacific")); // TLS verified against the run's CA

    FenceOutcome outcome = new PowerFence(SETTINGS).fence(bmc);

    assertThat(outcome.result()).as(outcome.message()).isEqualTo(Result.PoweredOff);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(outcome.lastState()).isEqualTo(PowerState.Off);
    assertThat(bmc.count("forceOff")).isEqualTo(1);
    // the host was On when the fence began: the power-off was the fence's doing
    assertThat(bmc.calls()).first().extracting(RecordingBmc.Call::result).isEqualTo("On");
    assertThat(client("pacific").powerState()).isEqualTo(PowerState.Off);
  }

  @Test
  void aFencedHostPowersOnAgain() throws Exception {
    PowerFence fence = new PowerFence(SETTINGS);
    assertThat(fence.fence(client("indian")).result()).isEqualTo(Result.PoweredOff);

    FenceOutcome outcome = fence.powerOn(client("indian"));

    assertThat(outcome.result()).as(outcome.message()).isEqualTo(Result.PoweredOn);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(client("indian").powerState()).isEqualTo(PowerState.On);
  }

  @Test
  void wrongCredentialsEndTheFenceAtOnceWithOneRequest() throws Exception {
    String wrong = "not-" + bmcs.password();
    RecordingBmc bmc =
        new RecordingBmc(
            new RedfishClient(
                endpoint("arctic", new BmcCredentials(bmcs.username(), wrong)), REQUEST_TIMEOUT));

    FenceOutcome outcome = new PowerFence(SETTINGS).fence(bmc);

    assertThat(outcome.result()).isEqualTo(Result.CredentialsRefused);
    assertThat(outcome.message())
        .contains(bmcs.baseUrl().toString(), "credentials refused (HTTP 401)", bmcs.username())
        .doesNotContain(wrong)
        .doesNotContain(bmcs.password());
    // one refused login, no power request: each refusal brings the account lockout closer
    assertThat(bmc.calls()).hasSize(1);
    assertThat(outcome.attempts()).isZero();
    assertThat(client("arctic").powerState()).isEqualTo(PowerState.On);
  }

  @Test
  void aPowerOffWithWrongCredentialsIsRefused() {
    RedfishClient wrong =
        new RedfishClient(
            endpoint("arctic", new BmcCredentials(bmcs.username(), "wrong")), REQUEST_TIMEOUT);

    assertThatThrownBy(wrong::forceOff)
        .isInstanceOfSatisfying(
            PowerException.class, e -> assertThat(e.kind()).isEqualTo(Kind.Unauthorized))
        .hasMessageContaining("ForceOff of system " + bmcs.systemId("arctic"))
        .hasMessageContaining("credentials refused (HTTP 401)");
  }

  @Test
  void aBmcThatNeverCarriesOutThePowerOffIsNotConfirmed() throws Exception {
    PowerFenceSettings shortWait =
        new PowerFenceSettings(REQUEST_TIMEOUT, Duration.ofMillis(250), Duration.ofSeconds(3), 3);

    FenceOutcome outcome = new PowerFence(shortWait).fence(client("caspian"));

    assertThat(outcome.result()).isEqualTo(Result.NotConfirmed);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(outcome.lastState()).isEqualTo(PowerState.On);
    assertThat(outcome.duration()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(outcome.message()).contains("did not report Off within 3.0 s", "still reports On");
  }

  @Test
  void aWrongSystemIdIsNotFoundAndTheMessageNamesTheRightOnes() throws Exception {
    RedfishClient wrongId =
        new RedfishClient(
            new RedfishEndpoint(bmcs.baseUrl(), "hv-none", bmcs.credentials(), bmcs.caPem(), false),
            REQUEST_TIMEOUT);

    assertThatThrownBy(wrongId::powerState)
        .isInstanceOfSatisfying(
            PowerException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NotFound))
        .hasMessageContaining("no system 'hv-none' (HTTP 404)")
        .hasMessageContaining(bmcs.systemId("atlantic"));
    FenceOutcome outcome = new PowerFence(SETTINGS).fence(wrongId);
    assertThat(outcome.result()).isEqualTo(Result.Refused);
    assertThat(outcome.attempts()).isZero();
  }

  @Test
  void theJvmsTrustStoreDoesNotTrustTheBmcsOwnCertificate() throws Exception {
    RedfishClient defaultTrust =
        new RedfishClient(
            new RedfishEndpoint(
                bmcs.baseUrl(), bmcs.systemId("southern"), bmcs.credentials(), null, false),
            REQUEST_TIMEOUT);

    assertThatThrownBy(defaultTrust::powerState)
        .isInstanceOfSatisfying(
            PowerException.class, e -> assertThat(e.kind()).isEqualTo(Kind.Unreachable))
        .hasMessageContaining("TLS handshake failed, the BMC's certificate is not trusted")
        .hasMessageContaining("CA bundle");
    FenceOutcome outcome = new PowerFence(SETTINGS).fence(defaultTrust);
    assertThat(outcome.result()).isEqualTo(Result.Unreachable);
    assertThat(client("southern").powerState()).isEqualTo(PowerState.On);
  }

  @Test
  void insecureTrustsACertificateItCannotVerify() throws Exception {
    RedfishClient insecure =
        new RedfishClient(
            new RedfishEndpoint(
                bmcs.baseUrl(), bmcs.systemId("southern"), bmcs.credentials(), null, true),
            REQUEST_TIMEOUT);

    assertThat(insecure.powerState()).isEqualTo(PowerState.On);
  }

  @Test
  void aCertificateForAnotherNameIsRefusedUnlessInsecure() throws Exception {
    try (RedfishBmcs misnamed =
        RedfishBmcs.builder().hosts("baltic").serverNames("bmc.example.invalid").start()) {
      RedfishEndpoint verified = misnamed.endpoint("baltic"); // trusts the CA that signed it
      RedfishEndpoint insecure =
          new RedfishEndpoint(
              verified.baseUrl(), verified.systemId(), verified.credentials(), null, true);

      assertThatThrownBy(() -> new RedfishClient(verified, REQUEST_TIMEOUT).powerState())
          .isInstanceOfSatisfying(
              PowerException.class, e -> assertThat(e.kind()).isEqualTo(Kind.Unreachable))
          .hasMessageContaining("certificate is not trusted")
          .hasMessageContaining("127.0.0.1");
      // host name checks are off for this client only: the other still refuses
      assertThat(new RedfishClient(insecure, REQUEST_TIMEOUT).powerState())
          .isEqualTo(PowerState.On);
      assertThatThrownBy(() -> new RedfishClient(verified, REQUEST_TIMEOUT).powerState())
          .isInstanceOf(PowerException.class);
    }
  }

  @Test
  void aBmcThatIsDownIsUnreachableAfterTheRetries() throws Exception {
    try (RedfishBmcs down = RedfishBmcs.start("baltic")) {
      RecordingBmc bmc =
          new RecordingBmc(new RedfishClient(down.endpoint("baltic"), REQUEST_TIMEOUT));
      down.stop();

      FenceOutcome outcome = new PowerFence(SETTINGS).fence(bmc);

      assertThat(outcome.result()).isEqualTo(Result.Unreachable);
      assertThat(outcome.attempts()).isEqualTo(SETTINGS.postAttempts());
      assertThat(bmc.count("forceOff")).isEqualTo(SETTINGS.postAttempts());
      assertThat(outcome.message())
          .contains(down.baseUrl().toString(), "cannot connect", "3 tries");
      assertThat(outcome.lastState()).isEqualTo(PowerState.Unknown);

      down.restart(); // the BMC is back: the same client reaches it
      assertThat(bmc.powerState()).isEqualTo(PowerState.On);
    }
  }

  private static RedfishClient client(String host) {
    return new RedfishClient(bmcs.endpoint(host), REQUEST_TIMEOUT);
  }

  private static RedfishEndpoint endpoint(String host, BmcCredentials credentials) {
    return new RedfishEndpoint(
        bmcs.baseUrl(), bmcs.systemId(host), credentials, bmcs.caPem(), false);
  }

  private static void skipUnless(boolean condition, String reason) {
    if (!condition) {
      System.out.println("SKIPPED RedfishClientTest: " + reason);
    }
    assumeTrue(condition, reason);
  }
}
