package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.libvirt.DomainXml;
import io.vmha.agent.libvirt.LibvirtDriver;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import io.vmha.core.model.GuestMonitoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * M1 on a real QEMU guest (the hosts {@code hack/libvirt-hosts.sh up} prepares): the test guest's
 * agent is hung through its test hook ({@code vmha-test-hang}: it stops answering for good, the
 * guest runs on), the agent's monitor resets the domain in place ({@code virDomainReset}), the
 * guest boots again and its agent answers; after maxResets it is left alone. In this package
 * because the monitor is the agent's own; skipped where the hosts are not up.
 */
class LibvirtGuestMonitoringTest {
  static final Path HOSTS = Path.of("/var/lib/vmha-test-hosts/hosts.json");
  static final String ME = "hv1";
  static final GuestMonitoring MONITORING =
      new GuestMonitoring(Duration.ofSeconds(3), Duration.ofSeconds(5), 1, Duration.ofMinutes(10));

  LibvirtDriver driver;
  String uri;
  Path shared;
  PlacedVm vm;

  @BeforeEach
  void connect() throws Exception {
    Assumptions.assumeTrue(
        Files.isReadable(HOSTS),
        "no real libvirt hosts (run: sudo hack/libvirt-hosts.sh up 1): real guest tests skipped");
    JsonNode hosts = new ObjectMapper().readTree(HOSTS.toFile());
    shared = Path.of(hosts.path("sharedDir").asText());
    Path image = shared.resolve("images/base.qcow2");
    if (!Files.exists(image)) {
      Files.createDirectories(image.getParent());
      Files.copy(
          Path.of(hosts.path("baseImage").asText()), image, StandardCopyOption.REPLACE_EXISTING);
    }
    uri = hosts.path("hosts").get(0).path("uri").asText();
    try {
      driver =
          LibvirtDriver.builder(uri)
              .domainType(hosts.path("domainType").asText("qemu"))
              .repositories(() -> java.util.Map.of("shared", shared.toString()))
              .boot(
                  new DomainXml.Boot(
                      hosts.path("kernel").asText(),
                      hosts.path("initrd").asText(),
                      hosts.path("cmdline").asText(),
                      "qemu64",
                      shared))
              .build()
              .connect();
    } catch (Exception e) {
      Assumptions.abort("libvirt host hv1 does not answer (" + e + "): hack/libvirt-hosts.sh up 1");
    }
    PlacedVm placed = InstanceKeeperTest.placed("hung", "Running", ME);
    vm =
        new PlacedVm(
            "monitoringtest/hung",
            "hung-1",
            placed.phase(),
            ME,
            null,
            new Resources(1, 128L),
            new ImageRef("shared", "images/base.qcow2"),
            null,
            true,
            placed.storageErrorPolicy(),
            MONITORING,
            List.of());
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (driver != null) {
      try {
        driver.stop(vm.instance());
      } catch (Exception e) {
        // not there
      }
      driver.close();
    }
  }

  @Test
  void M1_aHungRealGuestIsResetInPlaceAnswersAgainAndIsLeftAloneAfterMaxResets() throws Exception {
    GuestAgentProbe probe = new GuestAgentProbe(driver, Clock.systemUTC());
    GuestMonitor monitor = new GuestMonitor(ME, driver, Clock.systemUTC(), probe);
    AgentWork work = new AgentWork(null, List.of(vm), List.of());
    driver.startFromTemplate(vm.instance(), vm.resources(), vm.image());
    await("the guest agent answers")
        .atMost(Duration.ofSeconds(90))
        .until(() -> driver.guestAgentAnswers(vm.instance()).orElse(false));

    for (int reset = 1; reset <= MONITORING.maxResets(); reset++) {
      awaitUptime();
      long hung = System.nanoTime();
      hang();
      int expected = reset;
      await("reset " + reset)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                probe.probe();
                monitor.watch(work, true);
                return monitor.resets().getOrDefault(vm.instance(), List.of()).size() == expected;
              });
      long wasReset = System.nanoTime();
      await("the guest agent answers again after reset " + reset)
          .atMost(Duration.ofSeconds(90))
          .until(() -> driver.guestAgentAnswers(vm.instance()).orElse(false));
      long answers = System.nanoTime();
      System.out.printf(
          "real guest M1: hung -> reset in %.1f s; reset -> guest agent answering in %.1f s%n",
          (wasReset - hung) / 1e9, (answers - wasReset) / 1e9);
      assertThat(driver.instances())
          .as("reset in place: the same domain runs")
          .anyMatch(i -> i.name().equals("hung-1") && i.state() == Instance.State.Running);
    }

    awaitUptime();
    hang();
    for (int i = 0; i < 15; i++) {
      Thread.sleep(1000);
      probe.probe();
      monitor.watch(work, true);
    }
    assertThat(monitor.resets().get(vm.instance()))
        .as("no reset beyond maxResets")
        .hasSize(MONITORING.maxResets());
    assertThat(monitor.leftAlone(vm.instance())).isTrue();
    assertThat(driver.guestAgentAnswers(vm.instance())).contains(false);
  }

  /** minUptime since the start or the last reset, so the next hang is judged. */
  private void awaitUptime() throws InterruptedException {
    Thread.sleep(MONITORING.minUptime().toMillis());
  }

  /** The test guest's hook: its agent stops answering (the command itself gets no answer). */
  private void hang() throws LibvirtException {
    Connect connect = new Connect(uri);
    try {
      connect
          .domainLookupByName(DomainXml.domainName(vm.key(), vm.instanceName()))
          .qemuAgentCommand("{\"execute\":\"vmha-test-hang\"}", 1, 0);
    } catch (LibvirtException e) {
      // no answer: the agent hangs, as asked
    } finally {
      connect.close();
    }
  }
}
