package io.vmha.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmha.agent.AgentOptions;
import io.vmha.agent.DeviceWatchdog;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.PeerToken;
import io.vmha.agent.SystemdNotifier;
import io.vmha.agent.Watchdog;
import io.vmha.agent.libvirt.LibvirtAgent;
import io.vmha.agent.sim.SimulatedDatacenter;
import io.vmha.agent.sim.SimulationOptions;
import io.vmha.core.model.AgentSettings;
import io.vmha.core.model.FencingPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmha agent}: the host agent of one hypervisor host. Every option also reads an environment
 * variable, which is how a DaemonSet or systemd unit sets them.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "Run the vmha host agent of one hypervisor host.")
public final class AgentCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Errors go where picocli sends them, so callers (and tests) can capture them. */
  private java.io.PrintWriter err() {
    return spec == null ? new java.io.PrintWriter(System.err, true) : spec.commandLine().getErr();
  }

  /** Hypervisor drivers. */
  public enum Driver {
    simulated,
    libvirt
  }

  @Option(
      names = "--host",
      required = true,
      defaultValue = "${env:VMHA_HOST}",
      description = "Name of this host's VmHost (env VMHA_HOST).")
  String host;

  @Option(
      names = "--driver",
      required = true,
      defaultValue = "${env:VMHA_DRIVER}",
      description =
          "Hypervisor driver: ${COMPLETION-CANDIDATES} (env VMHA_DRIVER; no default: a real host"
              + " must never run the simulation by mistake).")
  Driver driver;

  @Option(
      names = "--watchdog-device",
      defaultValue = "${env:VMHA_WATCHDOG_DEVICE:-}",
      description =
          "Watchdog device fed while this host may keep its VMs (default /dev/watchdog with the"
              + " libvirt driver, none with the simulated one).")
  String watchdogDevice;

  @Option(
      names = "--no-watchdog",
      defaultValue = "${env:VMHA_NO_WATCHDOG:-false}",
      description =
          "Run without a watchdog: a hung or killed agent then leaves its VMs running while the"
              + " operator restarts them elsewhere. For tests and hosts fenced by other means.")
  boolean noWatchdog;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "${env:VMHA_HEARTBEAT_INTERVAL:-2s}",
      description = "How often to renew the heartbeat Lease (default ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(
      names = "--self-fence-after",
      defaultValue = "${env:VMHA_SELF_FENCE_AFTER:-10s}",
      description =
          "Without a heartbeat renewal this long, ask peers and maybe stop every VM (default ${DEFAULT-VALUE}).")
  Duration selfFenceAfter;

  @Option(
      names = "--host-grace-period",
      defaultValue = "${env:VMHA_HOST_GRACE_PERIOD:-15s}",
      description =
          "The operator's grace period: the heartbeat Lease's duration (default ${DEFAULT-VALUE}).")
  Duration hostGracePeriod;

  @Option(
      names = "--fencing",
      defaultValue = "${env:VMHA_FENCING:-SelfFence}",
      description =
          "The fleet's fencing policy, as the operator's: SelfFence or None (default ${DEFAULT-VALUE}).")
  FencingPolicy fencing;

  @Option(
      names = "--max-unhealthy-fraction",
      defaultValue = "${env:VMHA_MAX_UNHEALTHY_FRACTION:-0.5}",
      description =
          "The operator's failover.maxUnhealthyFraction: an agent that lost the API server keeps"
              + " its VMs only if more than this fraction of all hosts confirm they lost it too"
              + " (default ${DEFAULT-VALUE}).")
  double maxUnhealthyFraction;

  @Option(
      names = "--lease-namespace",
      defaultValue = "${env:VMHA_LEASE_NAMESPACE:-}",
      description =
          "Namespace of the heartbeat and SPM Leases: the operator's (default: the client's namespace).")
  String leaseNamespace;

  @Option(
      names = "--peer-token-file",
      defaultValue = "${env:VMHA_PEER_TOKEN_FILE:-}",
      description =
          "File with the token all agents share for the peer endpoint (or env VMHA_PEER_TOKEN).")
  String peerTokenFile;

  @Option(
      names = "--listen-address",
      defaultValue = "${env:VMHA_LISTEN_ADDRESS:-0.0.0.0}",
      description = "Address the peer endpoint listens on (default ${DEFAULT-VALUE}).")
  String listenAddress;

  @Option(
      names = "--listen-port",
      defaultValue = "${env:VMHA_LISTEN_PORT:-9740}",
      description = "Port of the peer endpoint (default ${DEFAULT-VALUE}).")
  int listenPort;

  @Option(
      names = "--advertise-address",
      defaultValue = "${env:VMHA_ADVERTISE_ADDRESS:-}",
      description =
          "Address peers reach this agent at, reported in status.reported.endpoint (default: the host name).")
  String advertiseAddress;

  @Option(
      names = "--libvirt-uri",
      defaultValue = "${env:VMHA_LIBVIRT_URI:-qemu:///system}",
      description =
          "libvirt connection URI of this host's hypervisor (driver libvirt; default ${DEFAULT-VALUE}).")
  String libvirtUri;

  @Option(
      names = "--libvirt-migration-uri",
      defaultValue = "${env:VMHA_LIBVIRT_MIGRATION_URI:-}",
      description =
          "URI other hosts' libvirt live-migrate to, reported as migrationUri "
              + "(default qemu+tls://<advertise-address>/system).")
  String libvirtMigrationUri;

  @Option(
      names = "--libvirt-bridge",
      defaultValue = "${env:VMHA_LIBVIRT_BRIDGE:-}",
      description =
          "Host bridge the VMs' network interface attaches to; its link state is the network check "
              + "(default: no interface, network always reported up).")
  String libvirtBridge;

  @Option(
      names = "--vm-watch",
      defaultValue = "${env:VMHA_VM_WATCH:-FIELD_SELECTOR}",
      description =
          "How the agent watches its VMs (driver libvirt): FIELD_SELECTOR (only this host's, "
              + "selected by the API server on status.host; Kubernetes 1.31+) or ALL (every VM, "
              + "filtered here; for older API servers). Default ${DEFAULT-VALUE}.")
  InformerClusterView.VmWatch vmWatch;

  @Option(
      names = "--state-dir",
      defaultValue = "${env:VMHA_STATE_DIR:-/var/lib/vmha-agent}",
      description =
          "Where the agent keeps its last heartbeat renewal across restarts (driver libvirt), so a"
              + " restarted agent behind a partition fences on time (default ${DEFAULT-VALUE}).")
  java.nio.file.Path stateDir;

  @Option(
      names = "--libvirt-domain-type",
      defaultValue = "${env:VMHA_LIBVIRT_DOMAIN_TYPE:-kvm}",
      description =
          "libvirt domain type: kvm, or qemu (software emulation) where the host has no KVM"
              + " (default ${DEFAULT-VALUE}).")
  String libvirtDomainType;

  @Option(
      names = "--libvirt-kernel",
      defaultValue = "${env:VMHA_LIBVIRT_KERNEL:-}",
      description =
          "Boot every domain from this kernel directly instead of its disk (appliance or test"
              + " guests); with --libvirt-initrd and --libvirt-cmdline.")
  String libvirtKernel;

  @Option(
      names = "--libvirt-initrd",
      defaultValue = "${env:VMHA_LIBVIRT_INITRD:-}",
      description = "initrd for --libvirt-kernel.")
  String libvirtInitrd;

  @Option(
      names = "--libvirt-cmdline",
      defaultValue = "${env:VMHA_LIBVIRT_CMDLINE:-}",
      description = "Kernel command line for --libvirt-kernel.")
  String libvirtCmdline;

  @Option(
      names = "--libvirt-cpu-model",
      defaultValue = "${env:VMHA_LIBVIRT_CPU_MODEL:-}",
      description =
          "A named CPU model (e.g. qemu64) instead of host-model: software emulation cannot pass"
              + " the host's CPU through.")
  String libvirtCpuModel;

  @Option(
      names = "--libvirt-serial-log-dir",
      defaultValue = "${env:VMHA_LIBVIRT_SERIAL_LOG_DIR:-}",
      description =
          "Append each domain's serial console to <dir>/<domain>.serial.log (a path every host"
              + " sees, so it carries on across live migrations) instead of a pty.")
  String libvirtSerialLogDir;

  @Option(
      names = "--libvirt-migration-progress-timeout",
      defaultValue = "${env:VMHA_LIBVIRT_MIGRATION_PROGRESS_TIMEOUT:-60s}",
      description =
          "Abort a live migration whose data still to send reached no new low for this long: a"
              + " hung target or a stalled link (driver libvirt; default ${DEFAULT-VALUE}).")
  Duration libvirtMigrationProgressTimeout;

  @Option(
      names = "--libvirt-migration-time-per-gib",
      defaultValue = "${env:VMHA_LIBVIRT_MIGRATION_TIME_PER_GIB:-64s}",
      description =
          "Abort a live migration that ran longer than this per GiB of guest memory, and never"
              + " less than the progress timeout (driver libvirt; default ${DEFAULT-VALUE}).")
  Duration libvirtMigrationTimePerGib;

  /**
   * The settings this agent must share with the operator (R6). Their defaults are the operator's
   * ({@code Settings.defaults()}): picocli needs them as text here, and AgentSettingsOptionsTest
   * holds the two together.
   */
  AgentSettings agentSettings() {
    return new AgentSettings(
        heartbeatInterval, selfFenceAfter, hostGracePeriod, fencing, maxUnhealthyFraction);
  }

  /** The libvirt settings the options give (driver libvirt). */
  LibvirtAgent.Settings libvirtSettings(String migrationUri) {
    boolean profile =
        !libvirtKernel.isBlank() || !libvirtCpuModel.isBlank() || !libvirtSerialLogDir.isBlank();
    return new LibvirtAgent.Settings(
        libvirtUri,
        migrationUri,
        libvirtBridge.isBlank() ? null : libvirtBridge,
        vmWatch,
        stateDir,
        libvirtDomainType,
        profile
            ? new io.vmha.agent.libvirt.DomainXml.Boot(
                blankToNull(libvirtKernel),
                blankToNull(libvirtInitrd),
                blankToNull(libvirtCmdline),
                blankToNull(libvirtCpuModel),
                libvirtSerialLogDir.isBlank() ? null : Path.of(libvirtSerialLogDir))
            : io.vmha.agent.libvirt.DomainXml.Boot.DISK,
        new io.vmha.agent.libvirt.MigrationLimits(
            libvirtMigrationProgressTimeout, libvirtMigrationTimePerGib));
  }

  private static boolean notPositive(Duration value) {
    return value.isNegative() || value.isZero();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  @Override
  public Integer call() throws Exception {
    if (libvirtKernel.isBlank() && !(libvirtInitrd.isBlank() && libvirtCmdline.isBlank())) {
      err().println("vmha agent: --libvirt-initrd and --libvirt-cmdline need --libvirt-kernel");
      return 2;
    }
    if (notPositive(libvirtMigrationProgressTimeout) || notPositive(libvirtMigrationTimePerGib)) {
      err()
          .println(
              "vmha agent: --libvirt-migration-progress-timeout and --libvirt-migration-time-per-gib"
                  + " must be positive");
      return 2;
    }
    if (selfFenceAfter.compareTo(hostGracePeriod) >= 0) {
      err().println("vmha agent: --self-fence-after must be shorter than --host-grace-period");
      return 2;
    }
    if (!(maxUnhealthyFraction > 0 && maxUnhealthyFraction <= 1)) {
      err()
          .println(
              "vmha agent: --max-unhealthy-fraction must be in (0, 1], was "
                  + maxUnhealthyFraction);
      return 2;
    }
    PeerToken token = peerToken();
    if (token == null) {
      if (fencing == FencingPolicy.SelfFence && driver != Driver.simulated) {
        err()
            .println(
                "vmha agent: SelfFence needs a peer token: --peer-token-file or VMHA_PEER_TOKEN");
        return 2;
      }
      err()
          .println(
              "vmha agent: no peer token given: using a random one, so no other agent can ask this one");
      token = PeerToken.random();
    }
    String advertised =
        advertiseAddress.isBlank() ? InetAddress.getLocalHost().getHostName() : advertiseAddress;
    if (noWatchdog && !watchdogDevice.isBlank()) {
      err().println("vmha agent: give either --watchdog-device or --no-watchdog, not both");
      return 2;
    }
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(io.vmha.kube.ApiClients.autoConfigured())
            .build()) {
      String namespace = leaseNamespace.isBlank() ? client.getNamespace() : leaseNamespace;
      AgentOptions options =
          new AgentOptions(
              host,
              namespace == null ? "default" : namespace,
              agentSettings(),
              AgentCommand.class.getPackage().getImplementationVersion());
      Watchdog watchdog;
      SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
      try {
        watchdog = watchdog(options).alsoTelling(systemd);
      } catch (java.io.IOException | IllegalStateException e) {
        err().println("vmha agent: " + e.getMessage());
        return 2;
      }
      if (driver == Driver.libvirt) {
        return runLibvirt(client, options, token, advertised, watchdog, systemd);
      }
      SimulationOptions simulation =
          SimulationOptions.of(options)
              .withThreads(2)
              .withPeerServer(token, listenAddress, listenPort, advertised);
      CountDownLatch stopped = new CountDownLatch(1);
      try (SimulatedDatacenter dc = new SimulatedDatacenter(client, simulation)) {
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      dc.close();
                      stopped.countDown();
                    },
                    "vmha-agent-shutdown"));
        // no wait for the API server before the heartbeat and fencing guard run (R5)
        dc.startInBackground();
        dc.addHost(host, watchdog);
        systemd.ready();
        stopped.await();
      }
    }
    return 0;
  }

  /**
   * The watchdog this agent feeds (R3). With the libvirt driver one is required unless {@code
   * --no-watchdog} says otherwise; its timeout must reset a host whose agent died before the
   * operator judges it lost.
   */
  private Watchdog watchdog(AgentOptions options) throws java.io.IOException {
    String device = watchdogDevice;
    if (noWatchdog || (device.isBlank() && driver == Driver.simulated)) {
      if (driver == Driver.libvirt) {
        err()
            .println(
                "vmha agent: running WITHOUT a watchdog (--no-watchdog): a hung agent leaves its"
                    + " VMs running");
      }
      return Watchdog.NONE;
    }
    if (device.isBlank()) {
      device = "/dev/watchdog";
    }
    if (!java.nio.file.Files.exists(Path.of(device))) {
      throw new IllegalStateException(
          "no watchdog device "
              + device
              + " (load one: modprobe softdog; or give --watchdog-device, or --no-watchdog to run"
              + " without one)");
    }
    DeviceWatchdog opened = DeviceWatchdog.open(Path.of(device), options.watchdogTimeout());
    var timeout = opened.timeout();
    if (timeout.isPresent() && timeout.get().compareTo(options.watchdogTimeout()) > 0) {
      opened.close();
      throw new IllegalStateException(
          "the watchdog "
              + device
              + " keeps a timeout of "
              + timeout.get()
              + "; at most "
              + options.watchdogTimeout()
              + " resets a host whose agent died before the operator restarts its VMs elsewhere");
    }
    return opened;
  }

  private int runLibvirt(
      KubernetesClient client,
      AgentOptions options,
      PeerToken token,
      String advertised,
      Watchdog watchdog,
      SystemdNotifier systemd)
      throws Exception {
    String migrationUri =
        libvirtMigrationUri.isBlank()
            ? "qemu+tls://" + advertised + "/system"
            : libvirtMigrationUri;
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    try (LibvirtAgent agent =
        LibvirtAgent.start(
            client,
            options,
            new LibvirtAgent.Peer(token, listenAddress, listenPort, advertised),
            libvirtSettings(migrationUri),
            watchdog)) {
      // the JVM halts once its shutdown hooks return: this one waits until the agent has closed
      // (and decided what to do with the watchdog), not only until it was told to
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    stopped.countDown();
                    try {
                      closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "vmha-agent-shutdown"));
      systemd.ready(); // heartbeat and fencing run: systemd may count on its watchdog pings now
      stopped.await();
    } catch (io.vmha.agent.DriverException e) {
      err().println("vmha agent: " + e.getMessage());
      return 1;
    } finally {
      closed.countDown();
    }
    return 0;
  }

  private PeerToken peerToken() throws java.io.IOException {
    if (!peerTokenFile.isBlank()) {
      return PeerToken.fromFile(Path.of(peerTokenFile));
    }
    String env = System.getenv("VMHA_PEER_TOKEN");
    return env == null || env.isBlank() ? null : PeerToken.of(env);
  }
}
