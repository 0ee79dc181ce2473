package io.vmha.agent.libvirt;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.HostAgent;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.InformerClusterView.VmWatch;
import io.vmha.api.AgentReport;
import io.vmha.api.ImageRef;
import io.vmha.api.InstanceReport;
import io.vmha.api.RepositoryType;
import io.vmha.api.Resources;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.core.model.FencingPolicy;
import io.vmha.operator.MockApi;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;

/**
 * A {@link HostAgent} with the libvirt driver on test:///default, against the Fabric8 mock API
 * server, the test playing the operator: what the agent reports is what libvirt says.
 */
@EnableKubernetesMockClient(crud = true)
class LibvirtAgentTest {
  static final String LEASE_NS = "vmha-system";
  static final String VM_NS = "apps";
  static final String REPO = "shared-nfs";

  static KubernetesClient client;
  static Connect libvirt;
  @TempDir static Path nfs;

  AtomicBoolean storageUp = new AtomicBoolean(true);
  ScheduledThreadPoolExecutor executor;
  InformerClusterView view;
  RepositoryMounts repositories;
  LibvirtDriver driver;
  HostAgent agent;

  @BeforeAll
  static void setUp() throws Exception {
    libvirt = TestLibvirt.open();
    MockApi.installCrds(client);
    StorageRepository repo = new StorageRepository();
    repo.setMetadata(new ObjectMetaBuilder().withName(REPO).build());
    StorageRepositorySpec spec = new StorageRepositorySpec();
    spec.setType(RepositoryType.Shared);
    spec.setMountPath(nfs.toString());
    repo.setSpec(spec);
    client.resource(repo).create();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (libvirt != null) {
      libvirt.close();
    }
  }

  @AfterEach
  void stopAgent() throws Exception {
    if (libvirt == null) {
      return;
    }
    if (agent != null) {
      agent.close();
    }
    if (executor != null) {
      executor.shutdownNow();
    }
    if (repositories != null) {
      repositories.close();
    }
    if (view != null) {
      view.close();
    }
    if (driver != null) {
      driver.close();
    }
    TestLibvirt.removeAllBut(libvirt, TestLibvirt.PREDEFINED);
  }

  /**
   * Starts the agent of {@code host} the way {@link LibvirtAgent} wires it, with a switchable
   * storage check.
   */
  void startAgent(String host) {
    TestLibvirt.assumeAvailable(libvirt);
    createHost(host);

    AgentOptions options = fastOptions(host);
    executor = new ScheduledThreadPoolExecutor(2);
    // the mock API server has no field selectors on custom resources: watch every VM
    view = InformerClusterView.forHost(client, LEASE_NS, host, VmWatch.ALL).start();
    repositories = RepositoryMounts.start(client, host, () -> view.host(host));
    driver =
        LibvirtDriver.builder(TestLibvirt.URI)
            .migrationUri("qemu+tls://" + host + "/system")
            .repositories(repositories)
            .storageCheck(path -> storageUp.get() && MountProbe.readable(path))
            .migrationUris(target -> LibvirtAgent.migrationUriOf(view, target))
            .build();
    agent =
        HostAgent.builder(options)
            .client(client)
            .view(view)
            .driver(driver)
            .clock(Clock.systemUTC())
            .executor(executor)
            .journal(io.vmha.agent.AgentJournal.inMemory())
            .build()
            .start();
    // The agent writes its first report by merge patch (the host has no status yet) and later ones
    // by JSON Patch once its cache shows the status. The mock server appends lists on a merge
    // patch, so a second report before the cache caught up would duplicate instances: wait for it.
    eventually()
        .until(
            () ->
                view.host(host) != null
                    && view.host(host).getStatus() != null
                    && view.host(host).getStatus().getReported() != null);
  }

  static void createHost(String host) {
    VmHost vmHost = new VmHost();
    vmHost.setMetadata(new ObjectMetaBuilder().withName(host).build());
    VmHostSpec spec = new VmHostSpec();
    spec.setCapacity(new Resources(16, 65536));
    vmHost.setSpec(spec);
    client.resource(vmHost).create();
  }

  // ---- the operator's part ---------------------------------------------------------------------

  void placeVm(String name, String host, String phase) {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(VM_NS).build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    spec.setImage(new ImageRef(REPO, "images/" + name + ".qcow2"));
    spec.setCpus(2);
    spec.setMemoryMiB(1024L);
    spec.setRunning(true);
    vm.setSpec(spec);
    client.resource(vm).create();
    patchVmStatus(name, Map.of("host", host, "instanceName", name + "-1", "phase", phase));
  }

  void patchVmStatus(String vm, Map<String, Object> status) {
    client
        .resources(VirtualMachine.class)
        .inNamespace(VM_NS)
        .withName(vm)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("status", status)));
  }

  void patchHostStatus(String host, Map<String, Object> status) {
    client
        .resources(VmHost.class)
        .withName(host)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("status", status)));
  }

  AgentReport reported(String host) {
    VmHost h = client.resources(VmHost.class).withName(host).get();
    return h == null || h.getStatus() == null ? null : h.getStatus().getReported();
  }

  Optional<InstanceReport> reportedInstance(String host, String instance) {
    AgentReport report = reported(host);
    return report == null || report.getInstances() == null
        ? Optional.empty()
        : report.getInstances().stream().filter(i -> instance.equals(i.getName())).findFirst();
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }

  // ---- what libvirt says -----------------------------------------------------------------------

  /** libvirt's domains as {@code domain name -> state}, through a connection of the test's own. */
  static Map<String, String> libvirtDomains() throws Exception {
    Map<String, String> domains = new HashMap<>();
    for (Domain domain : libvirt.listAllDomains(0)) {
      domains.put(domain.getName(), LibvirtDriver.state(domain.getInfo().state).name());
    }
    return domains;
  }

  /**
   * The report as libvirt would name it: {@code <namespace>_<instance>} for vmha's, else the name.
   */
  static Map<String, String> reportedDomains(AgentReport report) {
    Map<String, String> domains = new HashMap<>();
    for (InstanceReport instance : report.getInstances()) {
      domains.put(DomainXml.domainName(instance.getVm(), instance.getName()), instance.getState());
    }
    return domains;
  }

  // ---- tests ------------------------------------------------------------------------------------

  @Test
  void theAgentsReportIsWhatLibvirtSays() throws Exception {
    startAgent("kvm-1");
    placeVm("web", "kvm-1", "Starting");
    placeVm("db", "kvm-1", "Starting");
    TestLibvirt.defineForeign(libvirt, "hand-made");

    eventually()
        .untilAsserted(
            () -> {
              AgentReport report = reported("kvm-1");
              assertThat(report.getInstances())
                  .extracting(InstanceReport::getName)
                  .containsExactlyInAnyOrder("db-1", "hand-made", TestLibvirt.PREDEFINED, "web-1");
              assertThat(reportedDomains(report)).isEqualTo(libvirtDomains());
            });
    AgentReport report = reported("kvm-1");
    assertThat(report.getDriver()).isEqualTo("libvirt");
    assertThat(report.getMigrationUri()).isEqualTo("qemu+tls://kvm-1/system");
    assertThat(report.getStorageConnected()).isTrue();
    assertThat(report.getNetworkConnected()).isTrue();
    assertThat(report.getReachableRepositories()).containsExactly(REPO);
    InstanceReport web = reportedInstance("kvm-1", "web-1").orElseThrow();
    assertThat(web.getVm()).isEqualTo(VM_NS + "/web");
    assertThat(web.getState()).isEqualTo("Running");
    assertThat(web.getResources().getCpus()).isEqualTo(2);
    assertThat(web.getResources().getMemoryMiB()).isEqualTo(1024L);
    // domains vmha did not start are reported without a VM: the operator's stale/duplicate check
    assertThat(reportedInstance("kvm-1", "hand-made").orElseThrow().getVm()).isNull();
    assertThat(reportedInstance("kvm-1", TestLibvirt.PREDEFINED).orElseThrow().getVm()).isNull();
    assertThat(libvirt.domainLookupByName("apps_web-1").getXMLDesc(0))
        .contains(nfs.resolve("images/web.qcow2").toString());

    // a VM to stop is stopped; a domain vmha did not create is never touched, even if listed
    patchHostStatus(
        "kvm-1",
        Map.of("instancesToStop", List.of(Map.of("name", "hand-made", "reason", "Stale"))));
    patchVmStatus("db", Map.of("phase", "Stopping"));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(libvirtDomains())
                  .containsOnlyKeys(TestLibvirt.PREDEFINED, "apps_web-1", "hand-made");
              assertThat(reportedDomains(reported("kvm-1"))).isEqualTo(libvirtDomains());
            });
  }

  @Test
  void storageLossPausesRunningDomainsAndItsReturnResumesThem() throws Exception {
    startAgent("kvm-2");
    placeVm("app", "kvm-2", "Starting");
    eventually()
        .until(
            () ->
                reportedInstance("kvm-2", "app-1")
                    .map(i -> i.getState().equals("Running"))
                    .orElse(false));

    storageUp.set(false);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(libvirt.domainLookupByName("apps_app-1").getInfo().state)
                  .isEqualTo(DomainState.VIR_DOMAIN_PAUSED);
              InstanceReport app = reportedInstance("kvm-2", "app-1").orElseThrow();
              assertThat(app.getState()).isEqualTo("Paused");
              assertThat(app.getReason()).isEqualTo(HostAgent.STORAGE_LOST);
              assertThat(reported("kvm-2").getStorageConnected()).isFalse();
              assertThat(reported("kvm-2").getReachableRepositories()).isEmpty();
            });
    // every running domain is paused, the predefined one too: it is on this host's storage as far
    // as anyone knows
    Set<String> paused = new TreeSet<>();
    libvirtDomains()
        .forEach(
            (name, state) -> {
              if (state.equals("Paused")) {
                paused.add(name);
              }
            });
    assertThat(paused).contains("apps_app-1", TestLibvirt.PREDEFINED);

    storageUp.set(true);
    eventually()
        .untilAsserted(
            () -> {
              assertThat(libvirt.domainLookupByName("apps_app-1").getInfo().state)
                  .isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
              assertThat(reportedInstance("kvm-2", "app-1").orElseThrow().getState())
                  .isEqualTo("Running");
              assertThat(reported("kvm-2").getStorageConnected()).isTrue();
            });
    // only what vmha paused for storage loss and still places here is resumed
    assertThat(libvirt.domainLookupByName(TestLibvirt.PREDEFINED).getInfo().state)
        .isEqualTo(DomainState.VIR_DOMAIN_PAUSED);
    libvirt.domainLookupByName(TestLibvirt.PREDEFINED).resume();
  }

  @Test
  void vmhaAgentDriverLibvirtWiresItAllUp() throws Exception {
    TestLibvirt.assumeAvailable(libvirt);
    createHost("kvm-3");
    AgentOptions options = fastOptions("kvm-3");
    try (LibvirtAgent process =
        LibvirtAgent.start(
            client,
            options,
            new LibvirtAgent.Peer(io.vmha.agent.PeerToken.random(), "127.0.0.1", 0, "127.0.0.1"),
            new LibvirtAgent.Settings(
                TestLibvirt.URI, "qemu+tls://kvm-3/system", null, VmWatch.ALL))) {
      eventually()
          .untilAsserted(
              () -> {
                AgentReport report = reported("kvm-3");
                assertThat(report.getDriver()).isEqualTo("libvirt");
                assertThat(report.getEndpoint())
                    .startsWith("http://127.0.0.1:")
                    .endsWith("/hosts/kvm-3");
                assertThat(report.getMigrationUri()).isEqualTo("qemu+tls://kvm-3/system");
                assertThat(report.getReachableRepositories()).containsExactly(REPO);
                assertThat(report.getStorageConnected()).isTrue();
              });
      placeVm("wired", "kvm-3", "Starting");
      eventually()
          .untilAsserted(
              () ->
                  assertThat(reportedInstance("kvm-3", "wired-1").orElseThrow().getState())
                      .isEqualTo("Running"));
      // what a peer's driver uses to find this host's migration URI
      try (InformerClusterView peerView =
          InformerClusterView.forHost(client, LEASE_NS, "kvm-4").start()) {
        eventually()
            .until(
                () ->
                    "qemu+tls://kvm-3/system"
                        .equals(LibvirtAgent.migrationUriOf(peerView, "kvm-3")));
        assertThat(LibvirtAgent.migrationUriOf(peerView, "no-such-host")).isNull();
      }
    }
  }

  /** Heartbeat 100 ms, self-fence after 1 s, grace 2 s, no fencing. */
  private static AgentOptions fastOptions(String host) {
    return new AgentOptions(
        host,
        LEASE_NS,
        new io.vmha.core.model.AgentSettings(
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            FencingPolicy.None,
            0.5),
        "test");
  }
}
