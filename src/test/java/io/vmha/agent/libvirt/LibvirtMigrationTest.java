package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmha.agent.DriverException;
import io.vmha.agent.HostAgent;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.LibvirtException;

/**
 * Live migration. libvirt's test driver cannot migrate (it has no peer-to-peer migration), so the
 * real path is only checked to fail cleanly there; the driver's part around it (the target's URI,
 * what travels with the domain, failures) is tested with a fake migrator that moves the domain's
 * XML to a second test hypervisor the way libvirt would. The source host is a {@code
 * test:///<file>} hypervisor (each such connection has its own private state), the target is
 * test:///default (shared by every connection of the process).
 */
class LibvirtMigrationTest {
  static Connect source;

  @TempDir static Path dir;
  LibvirtDriver sourceHost;
  LibvirtDriver driver;
  LibvirtDriver targetDriver;

  @BeforeAll
  static void connect() {
    source = TestLibvirt.open();
  }

  @AfterAll
  static void disconnect() throws Exception {
    if (source != null) {
      source.close();
    }
  }

  @BeforeEach
  void drivers() throws Exception {
    TestLibvirt.assumeAvailable(source);
    Path node = dir.resolve("host-1.xml");
    Files.writeString(node, "<node></node>\n");
    Map<String, String> repositories = Map.of("shared-nfs", dir.toString());
    Map<String, String> migrationUris = Map.of("host-2", TestLibvirt.URI, "host-3", "");
    sourceHost =
        LibvirtDriver.builder("test://" + node)
            .repositories(() -> repositories)
            .migrationUris(migrationUris::get)
            .migrator(LibvirtMigrationTest::moveLikeLibvirt)
            .build();
    driver =
        LibvirtDriver.builder(TestLibvirt.URI)
            .repositories(() -> repositories)
            .migrationUris(migrationUris::get)
            .build();
    targetDriver = driver;
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (driver == null) {
      return;
    }
    sourceHost.close();
    driver.close();
    TestLibvirt.removeAllBut(source, TestLibvirt.PREDEFINED);
  }

  /** What a peer-to-peer live migration with PERSIST_DEST and UNDEFINE_SOURCE leaves behind. */
  static void moveLikeLibvirt(Domain domain, String destinationUri) throws LibvirtException {
    Connect destination = new Connect(destinationUri);
    try {
      boolean paused = domain.getInfo().state == DomainState.VIR_DOMAIN_PAUSED;
      Domain moved = destination.domainDefineXML(domain.getXMLDesc(0));
      moved.create();
      if (paused) {
        moved.suspend();
      }
      domain.destroy();
      domain.undefine();
    } finally {
      destination.close();
    }
  }

  @Test
  void aMigratedInstanceKeepsItsNameVmAndPauseReason() throws Exception {
    sourceHost.start(
        new InstanceRef("apps/web", "web-1"),
        new Resources(2, 1024),
        new ImageRef("shared-nfs", "web.qcow2"));
    sourceHost.pause(new InstanceRef("apps/web", "web-1"), HostAgent.STORAGE_LOST);

    sourceHost.migrate(new InstanceRef("apps/web", "web-1"), "host-2");

    assertThat(sourceHost.instances()).extracting(Instance::name).doesNotContain("web-1");
    assertThat(TestLibvirt.domainNames(source)).contains("apps_web-1");
    Instance arrived =
        targetDriver.instances().stream()
            .filter(i -> i.name().equals("web-1"))
            .findFirst()
            .orElseThrow();
    assertThat(arrived.vmKey()).isEqualTo("apps/web");
    assertThat(arrived.state()).isEqualTo(Instance.State.Paused);
    assertThat(arrived.reason()).isEqualTo(HostAgent.STORAGE_LOST);
    assertThat(arrived.resources().getCpus()).isEqualTo(2);
    // the target host's agent resumes it once its storage is fine
    targetDriver.resume(new InstanceRef("apps/web", "web-1"));
    assertThat(source.domainLookupByName("apps_web-1").getInfo().state)
        .isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
  }

  @Test
  void migrationNeedsTheTargetsMigrationUri() throws Exception {
    driver.start(
        new InstanceRef("apps/web", "web-1"),
        new Resources(1, 512),
        new ImageRef("shared-nfs", "web.qcow2"));
    assertThatThrownBy(() -> driver.migrate(new InstanceRef("apps/web", "web-1"), "host-3"))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("host host-3 reports no migrationUri");
    assertThatThrownBy(() -> driver.migrate(new InstanceRef("apps/web", "web-1"), "unknown-host"))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("host unknown-host reports no migrationUri");
    assertThat(driver.instances()).extracting(Instance::name).contains("web-1");
  }

  @Test
  void aFailedMigrationLeavesTheInstanceWhereItWas() throws Exception {
    LibvirtDriver failing =
        LibvirtDriver.builder(TestLibvirt.URI)
            .repositories(() -> Map.of("shared-nfs", dir.toString()))
            .migrationUris(host -> "nosuchdriver://" + host + "/system")
            .migrator(
                (domain, uri) -> new Connect(uri).close()) // the target's libvirt cannot be reached
            .build();
    try {
      failing.start(
          new InstanceRef("apps/db", "db-1"),
          new Resources(1, 512),
          new ImageRef("shared-nfs", "db.qcow2"));
      assertThatThrownBy(() -> failing.migrate(new InstanceRef("apps/db", "db-1"), "host-2"))
          .isInstanceOf(DriverException.class)
          .hasMessageContaining(
              "live migration of db-1 (apps/db) to host-2 (nosuchdriver://host-2/system) failed: ")
          .hasMessageContaining("nosuchdriver");
      assertThat(failing.instances())
          .filteredOn(i -> i.name().equals("db-1"))
          .extracting(Instance::state)
          .containsExactly(Instance.State.Running);
    } finally {
      failing.close();
    }
  }

  @Test
  void theRealPeerToPeerMigrationReportsLibvirtsRefusal() throws Exception {
    LibvirtDriver real =
        LibvirtDriver.builder(TestLibvirt.URI)
            .repositories(() -> Map.of("shared-nfs", dir.toString()))
            .migrationUris(host -> TestLibvirt.URI)
            .build();
    try {
      real.start(
          new InstanceRef("apps/app", "app-1"),
          new Resources(1, 512),
          new ImageRef("shared-nfs", "app.qcow2"));
      // the test driver has no peer-to-peer migration: a real one needs two KVM hosts
      assertThatThrownBy(() -> real.migrate(new InstanceRef("apps/app", "app-1"), "host-2"))
          .isInstanceOf(DriverException.class)
          .hasMessageContaining(
              "live migration of app-1 (apps/app) to host-2 (test:///default) failed")
          .hasMessageContaining("p2p migration is not supported");
      assertThat(real.instances()).extracting(Instance::name).contains("app-1");
    } finally {
      real.close();
    }
  }
}
