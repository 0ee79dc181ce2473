package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.vmha.agent.DriverException;
import io.vmha.agent.HostAgent;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;

/** The libvirt driver against libvirt's test driver (test:///default): no KVM, no daemon. */
class LibvirtDriverTest {
  static Connect libvirt;

  @TempDir Path nfs;
  Map<String, String> repositories;
  AtomicBoolean storageUp;
  LibvirtDriver driver;

  @BeforeAll
  static void connect() {
    libvirt = TestLibvirt.open();
  }

  @AfterAll
  static void disconnect() throws Exception {
    if (libvirt != null) {
      libvirt.close();
    }
  }

  @BeforeEach
  void newDriver() throws Exception {
    TestLibvirt.assumeAvailable(libvirt);
    repositories = new HashMap<>(Map.of("shared-nfs", nfs.toString()));
    storageUp = new AtomicBoolean(true);
    driver =
        LibvirtDriver.builder(TestLibvirt.URI)
            .repositories(() -> Map.copyOf(repositories))
            .storageCheck(path -> storageUp.get() && MountProbe.readable(path))
            .build()
            .connect();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (driver == null) {
      return;
    }
    driver.close();
    TestLibvirt.removeAllBut(libvirt, TestLibvirt.PREDEFINED);
  }

  static ImageRef image(String name) {
    return new ImageRef("shared-nfs", "images/" + name + ".qcow2");
  }

  Optional<Instance> instance(String name) {
    return driver.instances().stream().filter(i -> i.name().equals(name)).findFirst();
  }

  @Test
  void fullLifecycle() throws Exception {
    driver.start(new InstanceRef("apps/web", "web-1"), new Resources(2, 2048), image("web"));

    Instance running = instance("web-1").orElseThrow();
    assertThat(running.vmKey()).isEqualTo("apps/web");
    assertThat(running.state()).isEqualTo(Instance.State.Running);
    assertThat(running.reason()).isNull();
    assertThat(running.resources().getCpus()).isEqualTo(2);
    assertThat(running.resources().getMemoryMiB()).isEqualTo(2048L);
    Domain domain = libvirt.domainLookupByName("apps_web-1");
    assertThat(domain.getInfo().state).isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
    assertThat(domain.getXMLDesc(0))
        .contains("<source file='" + nfs.resolve("images/web.qcow2") + "'/>")
        .contains("<vmha:vm>apps/web</vmha:vm>");

    driver.pause(new InstanceRef("apps/web", "web-1"), HostAgent.STORAGE_LOST);
    assertThat(domain.getInfo().state).isEqualTo(DomainState.VIR_DOMAIN_PAUSED);
    Instance paused = instance("web-1").orElseThrow();
    assertThat(paused.state()).isEqualTo(Instance.State.Paused);
    assertThat(paused.reason()).isEqualTo(HostAgent.STORAGE_LOST);

    driver.resume(new InstanceRef("apps/web", "web-1"));
    assertThat(domain.getInfo().state).isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
    assertThat(instance("web-1").orElseThrow().state()).isEqualTo(Instance.State.Running);
    assertThat(instance("web-1").orElseThrow().reason()).isNull();

    driver.stop(new InstanceRef("apps/web", "web-1"));
    assertThat(instance("web-1")).isEmpty();
    assertThat(TestLibvirt.domainNames(libvirt)).doesNotContain("apps_web-1");
    driver.stop(new InstanceRef("apps/web", "web-1")); // idempotent
  }

  @Test
  void commandsAreIdempotentWhereLibvirtsAre() throws Exception {
    driver.start(new InstanceRef("apps/db", "db-1"), new Resources(1, 512), image("db"));
    Instance first = instance("db-1").orElseThrow();
    driver.start(new InstanceRef("apps/db", "db-1"), new Resources(1, 512), image("db"));
    driver.resume(new InstanceRef("apps/db", "db-1")); // running: nothing to do
    assertThat(driver.instances().stream().filter(i -> i.name().equals("db-1"))).hasSize(1);
    assertThat(instance("db-1").orElseThrow().since()).isEqualTo(first.since());
    driver.pause(new InstanceRef("apps/db", "db-1"), "Manual");
    driver.pause(
        new InstanceRef("apps/db", "db-1"),
        HostAgent.STORAGE_LOST); // paused already: keeps its reason
    assertThat(instance("db-1").orElseThrow().reason()).isEqualTo("Manual");
  }

  @Test
  void reportsThePredefinedTestDomainAsNotVmhas() {
    Instance test = instance(TestLibvirt.PREDEFINED).orElseThrow();
    assertThat(test.vmKey()).isNull();
    assertThat(test.state()).isEqualTo(Instance.State.Running);
  }

  @Test
  void aDomainDefinedOutsideVmhaIsAnInstanceWithoutVm() throws Exception {
    TestLibvirt.defineForeign(libvirt, "hand-made");
    driver.start(new InstanceRef("apps/web", "web-1"), new Resources(1, 512), image("web"));

    List<Instance> instances = driver.instances();
    assertThat(instances)
        .extracting(Instance::name)
        .containsExactlyInAnyOrder(TestLibvirt.PREDEFINED, "hand-made", "web-1");
    assertThat(instance("hand-made").orElseThrow().vmKey()).isNull();
    assertThat(instance("hand-made").orElseThrow().resources().getMemoryMiB()).isEqualTo(256L);
    assertThat(instance("web-1").orElseThrow().vmKey()).isEqualTo("apps/web");
  }

  @Test
  void stopsAStaleInstance() throws Exception {
    // a stale copy: a domain vmha's operator lists in instancesToStop, here one made by hand
    TestLibvirt.defineForeign(libvirt, "old-copy");
    driver.stop(new InstanceRef(null, "old-copy"));
    assertThat(TestLibvirt.domainNames(libvirt)).doesNotContain("old-copy");
    assertThat(instance("old-copy")).isEmpty();
  }

  @Test
  void aShutOffDomainIsStoppedAndACrashedOneFailed() throws Exception {
    driver.start(new InstanceRef("apps/web", "web-1"), new Resources(1, 512), image("web"));
    libvirt.domainLookupByName("apps_web-1").destroy(); // the guest powered off: still defined
    Instance off = instance("web-1").orElseThrow();
    assertThat(off.state()).isEqualTo(Instance.State.Stopped);
    assertThat(off.vmKey()).isEqualTo("apps/web");
    driver.start(new InstanceRef("apps/web", "web-1"), new Resources(2, 1024), image("web"));
    assertThat(instance("web-1").orElseThrow().state()).isEqualTo(Instance.State.Running);
    assertThat(instance("web-1").orElseThrow().resources().getCpus()).isEqualTo(2);

    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_RUNNING))
        .isEqualTo(Instance.State.Running);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_BLOCKED))
        .isEqualTo(Instance.State.Running);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_SHUTDOWN))
        .isEqualTo(Instance.State.Running);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_PAUSED)).isEqualTo(Instance.State.Paused);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_PMSUSPENDED))
        .isEqualTo(Instance.State.Paused);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_SHUTOFF))
        .isEqualTo(Instance.State.Stopped);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_CRASHED))
        .isEqualTo(Instance.State.Failed);
    assertThat(LibvirtDriver.state(DomainState.VIR_DOMAIN_NOSTATE))
        .isEqualTo(Instance.State.Starting);
  }

  @Test
  void theSameInstanceNameInTwoNamespacesIsTwoDomains() throws Exception {
    driver.start(new InstanceRef("team-a/web", "web-1"), new Resources(1, 512), image("web"));
    driver.start(new InstanceRef("team-b/web", "web-1"), new Resources(1, 512), image("web"));
    assertThat(TestLibvirt.domainNames(libvirt)).contains("team-a_web-1", "team-b_web-1");
    assertThat(driver.instances())
        .filteredOn(i -> i.name().equals("web-1"))
        .extracting(Instance::vmKey)
        .containsExactlyInAnyOrder("team-a/web", "team-b/web");
    // a command names the instance and its VM: it reaches that namespace's domain only
    driver.pause(new InstanceRef("team-a/web", "web-1"), "Manual");
    assertThat(driver.instances())
        .filteredOn(i -> i.name().equals("web-1"))
        .extracting(Instance::vmKey, Instance::state)
        .containsExactlyInAnyOrder(
            tuple("team-a/web", Instance.State.Paused),
            tuple("team-b/web", Instance.State.Running));
    driver.stop(new InstanceRef("team-b/web", "web-1"));
    assertThat(TestLibvirt.domainNames(libvirt))
        .contains("team-a_web-1")
        .doesNotContain("team-b_web-1");
    // without a VM (a domain vmha did not define) the name alone must be unambiguous
    driver.start(new InstanceRef("team-b/web", "web-1"), new Resources(1, 512), image("web"));
    assertThatThrownBy(() -> driver.stop(new InstanceRef(null, "web-1")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("ambiguous");
    assertThat(TestLibvirt.domainNames(libvirt)).contains("team-a_web-1", "team-b_web-1");
  }

  @Test
  void theMetadataOutlivesTheDriver() throws Exception {
    driver.start(new InstanceRef("apps/web", "web-1"), new Resources(1, 512), image("web"));
    driver.pause(new InstanceRef("apps/web", "web-1"), HostAgent.STORAGE_LOST);
    driver.close();
    // the agent restarts: a new driver reads name, VM and pause reason back from libvirt
    driver = LibvirtDriver.builder(TestLibvirt.URI).repositories(() -> repositories).build();
    Instance again = instance("web-1").orElseThrow();
    assertThat(again.vmKey()).isEqualTo("apps/web");
    assertThat(again.state()).isEqualTo(Instance.State.Paused);
    assertThat(again.reason()).isEqualTo(HostAgent.STORAGE_LOST);
  }

  @Test
  void refusesImagesItCannotReach() {
    assertThatThrownBy(
            () ->
                driver.start(
                    new InstanceRef("apps/a", "a-1"),
                    new Resources(1, 512),
                    new ImageRef("elsewhere", "a.raw")))
        .isInstanceOf(DriverException.class)
        .hasMessage("repository elsewhere is not available on this host");
    assertThatThrownBy(
            () ->
                driver.start(
                    new InstanceRef("apps/a", "a-1"),
                    new Resources(1, 512),
                    new ImageRef("shared-nfs", "../../etc/shadow")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("leaves repository shared-nfs");
    // a link inside the repository to a file of the host is followed, and refused
    try {
      java.nio.file.Path images = java.nio.file.Files.createDirectories(nfs.resolve("images"));
      java.nio.file.Files.createSymbolicLink(
          images.resolve("shadow.raw"), java.nio.file.Path.of("/etc/shadow"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThatThrownBy(
            () ->
                driver.start(
                    new InstanceRef("apps/a", "a-1"),
                    new Resources(1, 512),
                    new ImageRef("shared-nfs", "images/shadow.raw")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("is a link that leaves repository shared-nfs");
    storageUp.set(false);
    assertThatThrownBy(
            () -> driver.start(new InstanceRef("apps/a", "a-1"), new Resources(1, 512), image("a")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("repository shared-nfs is not reachable");
    assertThat(instance("a-1")).isEmpty();
  }

  @Test
  void aDomainThatFailsToStartIsNotLeftDefined() throws Exception {
    TestLibvirt.defineForeign(libvirt, "apps_taken-1");
    assertThatThrownBy(
            () ->
                driver.start(
                    new InstanceRef("apps/taken", "taken-1"),
                    new Resources(1, 512),
                    image("taken")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("vmha did not define");
    assertThatThrownBy(() -> driver.pause(new InstanceRef("apps/nothing", "nothing-1"), "x"))
        .isInstanceOf(DriverException.class)
        .hasMessage("no instance nothing-1 (apps/nothing) on this host");
  }

  @Test
  void storageNetworkAndRepositories() throws Exception {
    Path local = Files.createDirectory(nfs.resolve("local"));
    repositories.put("host-1-disk", local.toString());
    assertThat(driver.storageConnected()).isTrue();
    assertThat(driver.reachableRepositories()).containsExactly("host-1-disk", "shared-nfs");

    repositories.put("gone", nfs.resolve("not-mounted").toString());
    assertThat(driver.storageConnected()).isFalse();
    assertThat(driver.reachableRepositories()).containsExactly("host-1-disk", "shared-nfs");

    AtomicBoolean network = new AtomicBoolean(true);
    LibvirtDriver withNetwork =
        LibvirtDriver.builder(TestLibvirt.URI)
            .networkCheck(network::get)
            .migrationUri("qemu+tls://host-1/system")
            .build();
    assertThat(withNetwork.networkConnected()).isTrue();
    network.set(false);
    assertThat(withNetwork.networkConnected()).isFalse();
    assertThat(withNetwork.migrationUri()).isEqualTo("qemu+tls://host-1/system");
    assertThat(withNetwork.storageConnected()).isTrue(); // no repository to reach
    assertThat(
            LibvirtDriver.builder(TestLibvirt.URI)
                .bridge("no-such-bridge0")
                .build()
                .networkConnected())
        .isFalse();
    withNetwork.close();
  }
}
