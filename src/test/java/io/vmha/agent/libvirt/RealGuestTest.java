package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.agent.DriverException;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The libvirt driver with real libvirt daemons and a real QEMU guest (software emulation), on the
 * hosts {@code hack/libvirt-hosts.sh up} prepares: a template instance boots from its own overlay,
 * prints its readiness marker on its serial console, is live-migrated peer to peer to another host,
 * and its tick counter carries on there. Skipped, saying what to run, where the hosts are not up.
 */
class RealGuestTest {
  static final Path HOSTS = Path.of("/var/lib/vmha-test-hosts/hosts.json");
  static final InstanceRef GUEST = new InstanceRef("realtest/guest", "guest-1");
  static final Pattern TICK = Pattern.compile("VMHA-TICK (\\d+)");

  JsonNode hosts;
  final Map<String, LibvirtDriver> drivers = new HashMap<>();
  final Map<String, String> uris = new HashMap<>();
  Path shared;
  Path serialLog;
  DomainXml.Boot boot;

  LibvirtDriver driver(String name, MigrationLimits limits) throws DriverException {
    return LibvirtDriver.builder(uris.get(name))
        .domainType(hosts.path("domainType").asText("qemu"))
        .repositories(() -> Map.of("shared", shared.toString()))
        .migrationUris(uris::get)
        .boot(boot)
        .migrationLimits(limits)
        .build()
        .connect();
  }

  /** hv1's driver from now on aborts migrations by these limits. */
  void limitMigrations(MigrationLimits limits) throws DriverException {
    drivers.put("hv1", driver("hv1", limits)).close();
  }

  @BeforeEach
  void connect() throws Exception {
    Assumptions.assumeTrue(
        Files.isReadable(HOSTS),
        "no real libvirt hosts (run: sudo hack/libvirt-hosts.sh up 2): real guest tests skipped");
    hosts = new ObjectMapper().readTree(HOSTS.toFile());
    shared = Path.of(hosts.path("sharedDir").asText());
    Path image = shared.resolve("images/base.qcow2");
    if (!Files.exists(image)) {
      Files.createDirectories(image.getParent());
      Files.copy(
          Path.of(hosts.path("baseImage").asText()), image, StandardCopyOption.REPLACE_EXISTING);
    }
    hosts.path("hosts").forEach(h -> uris.put(h.path("name").asText(), h.path("uri").asText()));
    Assumptions.assumeTrue(uris.size() >= 2, "real guest tests need two hosts (up 2)");
    DomainXml.Boot boot =
        new DomainXml.Boot(
            hosts.path("kernel").asText(),
            hosts.path("initrd").asText(),
            hosts.path("cmdline").asText(),
            "qemu64",
            shared);
    this.boot = boot;
    for (String name : List.of("hv1", "hv2")) {
      try {
        drivers.put(name, driver(name, MigrationLimits.DEFAULT));
      } catch (Exception e) {
        Assumptions.abort(
            "libvirt host " + name + " does not answer (" + e + "): hack/libvirt-hosts.sh up 2");
      }
    }
    serialLog = shared.resolve(DomainXml.domainName(GUEST.vmKey(), GUEST.name()) + ".serial.log");
    Files.deleteIfExists(serialLog);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (LibvirtDriver driver : drivers.values()) {
      try {
        driver.stop(GUEST);
      } catch (Exception e) {
        // not there
      }
      driver.close();
    }
    if (shared != null) {
      Files.deleteIfExists(InstanceDisks.overlayPath(shared, GUEST.vmKey(), GUEST.name()));
    }
  }

  @Test
  void aTemplateInstanceBootsOnARealHostAndLiveMigratesToAnother() throws Exception {
    long started = System.nanoTime();
    drivers
        .get("hv1")
        .startFromTemplate(
            GUEST, new Resources(1, 128L), new ImageRef("shared", "images/base.qcow2"));
    await("the guest's readiness marker")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> console().contains("VMHA-GUEST-READY"));
    long booted = System.nanoTime();
    await("ticks").atMost(Duration.ofSeconds(30)).until(() -> lastTick() >= 2);
    assertThat(running("hv1")).isTrue();
    assertThat(
            OverlaySweeper.qemuImgLock(new InstanceDisks("qemu-img"))
                .test(InstanceDisks.overlayPath(shared, GUEST.vmKey(), GUEST.name())))
        .as("the running guest's overlay is held: never swept")
        .isTrue();
    await("the guest agent answers")
        .atMost(Duration.ofSeconds(30))
        .until(() -> drivers.get("hv1").guestAgentAnswers(GUEST).orElse(false));

    int before = lastTick();
    long migrating = System.nanoTime();
    drivers.get("hv1").migrate(GUEST, "hv2");
    long migrated = System.nanoTime();
    assertThat(running("hv2")).as("running on hv2").isTrue();
    assertThat(drivers.get("hv1").instances()).noneMatch(i -> i.name().equals(GUEST.name()));
    await("the guest carries on after the migration")
        .atMost(Duration.ofSeconds(30))
        .until(() -> lastTick() > before + 2);
    System.out.printf(
        "real guest: started and booted to its marker in %d ms; live migration hv1 -> hv2 took %d"
            + " ms; ticks %d -> %d%n",
        Duration.ofNanos(booted - started).toMillis(),
        Duration.ofNanos(migrated - migrating).toMillis(),
        before,
        lastTick());
    drivers.get("hv2").stop(GUEST);
    assertThat(drivers.get("hv2").instances()).noneMatch(i -> i.name().equals(GUEST.name()));
  }

  /**
   * No disk is opened by two QEMUs: the same VM's image started on a second host while the first
   * runs it fails (QEMU's image lock, or virtlockd's lease), the start is reported as an error
   * naming the lock, and the first copy runs on untouched.
   */
  @Test
  void aSecondStartOfTheSameDiskOnAnotherHostFailsAndSaysWhy() throws Exception {
    Path image = shared.resolve("images/" + GUEST.name() + "-own.qcow2");
    Files.copy(
        Path.of(hosts.path("baseImage").asText()), image, StandardCopyOption.REPLACE_EXISTING);
    ImageRef own = new ImageRef("shared", "images/" + GUEST.name() + "-own.qcow2");
    try {
      drivers.get("hv1").start(GUEST, new Resources(1, 128L), own);
      await("the guest's readiness marker")
          .atMost(Duration.ofSeconds(90))
          .until(() -> console().contains("VMHA-GUEST-READY"));

      DriverException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              DriverException.class,
              () -> drivers.get("hv2").start(GUEST, new Resources(1, 128L), own));
      System.out.println("second start of one disk on hv2: " + refused.getMessage());
      assertThat(refused.getMessage()).containsAnyOf("lock", "locked", "busy");
      assertThat(running("hv2")).as("a second copy on hv2").isFalse();
      assertThat(running("hv1")).as("the first copy on hv1").isTrue();
      int before = lastTick();
      await("the first copy ticks on")
          .atMost(Duration.ofSeconds(30))
          .until(() -> lastTick() > before);
    } finally {
      Files.deleteIfExists(image);
    }
  }

  /**
   * A migration the operator called off is cancelled in libvirt: the guest runs on where it was,
   * nothing of it is left on the target, its ticks carry on. Without the cancellation the migration
   * would finish later, leaving the only copy on a host that no longer expects it.
   */
  @Test
  void aMigrationCalledOffIsAbortedAndTheGuestRunsOnWhereItWas() throws Exception {
    bootOnHv1AndThrottle(1); // 1 MiB/s: the 128 MiB guest would take minutes to move
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      var migration =
          pool.submit(
              () -> {
                drivers.get("hv1").migrate(GUEST, "hv2");
                return null;
              });
      Thread.sleep(3000);
      assertThat(migration.isDone()).as("still migrating after 3 s").isFalse();
      long abortedAt = System.nanoTime();
      drivers.get("hv1").abortMigration(GUEST);
      var failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> migration.get(30, java.util.concurrent.TimeUnit.SECONDS));
      System.out.printf(
          "called-off migration ended %d ms after the abort: %s%n",
          Duration.ofNanos(System.nanoTime() - abortedAt).toMillis(),
          failed.getCause().getMessage());
      assertThat(failed.getCause()).isInstanceOf(DriverException.class);
    } finally {
      pool.shutdownNow();
    }
    theGuestRunsOnHv1AndNothingIsLeftOnHv2();
  }

  /**
   * A migration that goes on too long is aborted by the driver itself: throttled to 1 MiB/s the 128
   * MiB guest still progresses every second, so it is its time limit that ends it (4 s, the floor a
   * small guest gets). The guest runs on where it was; nothing is left on the target.
   */
  @Test
  void aMigrationThatOverrunsItsTimeIsAbortedAndTheGuestRunsOnWhereItWas() throws Exception {
    limitMigrations(new MigrationLimits(Duration.ofSeconds(4), Duration.ofSeconds(8)));
    bootOnHv1AndThrottle(1);
    long started = System.nanoTime();
    DriverException failed =
        org.junit.jupiter.api.Assertions.assertThrows(
            DriverException.class, () -> drivers.get("hv1").migrate(GUEST, "hv2"));
    long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
    System.out.printf(
        "migration over its time limit (4 s) ended after %d ms: %s%n", tookMs, failed.getMessage());
    assertThat(failed.getMessage()).contains("did not finish within 4 s");
    assertThat(tookMs).isBetween(4000L, 20_000L);
    theGuestRunsOnHv1AndNothingIsLeftOnHv2();
  }

  /**
   * The migration network stalls mid-migration (hv2's answers on its migration ports held to 8
   * bit/s, its libvirtd's link untouched): the data still to send stops shrinking, and after the
   * progress timeout the source aborts the migration. Without the limit it would hang until the
   * link came back, the guest held in a migration all that time.
   */
  @Test
  void aMigrationOverAStalledLinkIsAbortedForLackOfProgress() throws Exception {
    limitMigrations(new MigrationLimits(Duration.ofSeconds(3), Duration.ofMinutes(10)));
    bootOnHv1AndThrottle(4);
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      var migration =
          pool.submit(
              () -> {
                drivers.get("hv1").migrate(GUEST, "hv2");
                return null;
              });
      Thread.sleep(2000); // some data on its way first
      assertThat(migration.isDone()).as("still migrating after 2 s").isFalse();
      long stalledAt = System.nanoTime();
      hostsScript("migration-link", "hv2", "stall");
      var failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> migration.get(60, java.util.concurrent.TimeUnit.SECONDS));
      long tookMs = Duration.ofNanos(System.nanoTime() - stalledAt).toMillis();
      System.out.printf(
          "migration over a stalled link ended %d ms after the stall: %s%n",
          tookMs, failed.getCause().getMessage());
      assertThat(failed.getCause()).isInstanceOf(DriverException.class);
      assertThat(failed.getCause().getMessage()).contains("made no progress for 3 s");
      assertThat(tookMs).isBetween(3000L, 30_000L);
    } finally {
      pool.shutdownNow();
      hostsScript("migration-link", "hv2", "heal");
    }
    theGuestRunsOnHv1AndNothingIsLeftOnHv2();
  }

  void bootOnHv1AndThrottle(int mibPerSecond) throws Exception {
    drivers
        .get("hv1")
        .startFromTemplate(
            GUEST, new Resources(1, 128L), new ImageRef("shared", "images/base.qcow2"));
    await("ticks").atMost(Duration.ofSeconds(90)).until(() -> lastTick() >= 2);
    virsh(
        "hv1",
        "migrate-setspeed",
        DomainXml.domainName(GUEST.vmKey(), GUEST.name()),
        "--bandwidth",
        String.valueOf(mibPerSecond));
  }

  void theGuestRunsOnHv1AndNothingIsLeftOnHv2() throws Exception {
    assertThat(running("hv1")).as("the guest runs on hv1").isTrue();
    await("nothing of it left on hv2")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                drivers.get("hv2").instances().stream()
                    .noneMatch(i -> i.name().equals(GUEST.name())));
    int before = lastTick();
    await("the guest ticks on").atMost(Duration.ofSeconds(30)).until(() -> lastTick() > before);
  }

  static void hostsScript(String... args) throws Exception {
    run(List.of("bash", "hack/libvirt-hosts.sh"), args);
  }

  void virsh(String host, String... args) throws Exception {
    run(List.of("virsh", "-c", uris.get(host)), args);
  }

  static void run(List<String> program, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(program);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }

  boolean running(String host) {
    return drivers.get(host).instances().stream()
        .anyMatch(i -> i.name().equals(GUEST.name()) && i.state() == Instance.State.Running);
  }

  String console() throws Exception {
    return Files.exists(serialLog) ? Files.readString(serialLog) : "";
  }

  int lastTick() throws Exception {
    Matcher m = TICK.matcher(console());
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }
}
