package io.vmha.testbed;

import io.vmha.power.BmcCredentials;
import io.vmha.power.RedfishClient;
import io.vmha.power.RedfishEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Real Redfish BMCs for tests and the demo: one sushy-tools {@code sushy-emulator} process (its
 * fake driver) serving a ComputerSystem per host over HTTPS with basic auth, on 127.0.0.1 and a
 * free port. Each run has its own CA, server certificate and random password. Systems start On.
 *
 * <p>Like hardware, the fake driver carries out a power request some time after accepting it (at
 * random, up to 11 s), and only when the system is read next: allow for that when waiting for a
 * state.
 *
 * <p>{@code hack/redfish-bmc.sh install} puts sushy-tools in {@link #VENV}.
 */
public final class RedfishBmcs implements AutoCloseable {
  /** sushy-tools' Python venv: {@code $VMHA_SUSHY_VENV}, else where the install script puts it. */
  public static final Path VENV =
      Path.of(
          System.getenv().getOrDefault("VMHA_SUSHY_VENV", "/var/lib/vmha-test-hosts/sushy-venv"));

  private static final String USERNAME = "vmha";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final BmcCertificates certificates;
  private final String password;
  private final Map<String, String> systemIds;
  private final PowerOffHooks hooks;
  private final int port;
  private final Thread killOnExit;
  private SushyProcess emulator;

  /** Whether sushy-tools is installed where {@link #VENV} says. */
  public static boolean isInstalled() {
    return Files.isExecutable(VENV.resolve("bin/sushy-emulator"))
        && Files.isExecutable(VENV.resolve("bin/python"));
  }

  /** What to run to install it. */
  public static String hint() {
    return "no sushy-tools in " + VENV + ": run hack/redfish-bmc.sh install";
  }

  /** BMCs for {@code hosts}, carrying out every power request. */
  public static RedfishBmcs start(String... hosts) throws IOException {
    return builder().hosts(hosts).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Which systems one emulator serves, and how. */
  public static final class Builder {
    private final Set<String> hosts = new LinkedHashSet<>();
    private final Set<String> stuck = new LinkedHashSet<>();
    private List<String> serverNames = List.of("127.0.0.1", "localhost");
    private boolean keytool;
    private Integer powerDelaySeconds;

    private Builder() {}

    public Builder hosts(String... names) {
      hosts.addAll(List.of(names));
      return this;
    }

    /**
     * Systems whose BMC accepts a power-off and never carries it out (and runs no power-off hook):
     * the power stays on.
     */
    public Builder stuck(String... names) {
      hosts.addAll(List.of(names));
      stuck.addAll(List.of(names));
      return this;
    }

    /**
     * The names the server certificate carries, 127.0.0.1 and localhost unless set: other names
     * make a certificate that does not match the address clients use.
     */
    public Builder serverNames(String... names) {
      serverNames = List.of(names);
      return this;
    }

    /**
     * Power requests carried out {@code seconds} whole seconds after the second they came in (1:
     * within a second or two, as a server drops its power), instead of the fake driver's random 1
     * to 11: for tests that time a fence.
     */
    public Builder powerDelaySeconds(int seconds) {
      if (seconds < 1) {
        throw new IllegalArgumentException(
            "the fake driver's delay is at least 1 s, not " + seconds);
      }
      powerDelaySeconds = seconds;
      return this;
    }

    /** The JDK's keytool makes the certificates even where openssl is installed. */
    Builder withKeytool() {
      keytool = true;
      return this;
    }

    public RedfishBmcs start() throws IOException {
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException("no hosts to serve");
      }
      if (!isInstalled()) {
        throw new IllegalStateException(hint());
      }
      return new RedfishBmcs(this);
    }
  }

  private RedfishBmcs(Builder builder) throws IOException {
    dir = Files.createTempDirectory("vmha-bmcs-");
    hooks = new PowerOffHooks();
    killOnExit = new Thread(this::stop, "redfish-bmcs-exit");
    try {
      certificates =
          builder.keytool
              ? BmcCertificates.withKeytool(dir.resolve("tls"), builder.serverNames)
              : BmcCertificates.create(dir.resolve("tls"), builder.serverNames);
      password = randomPassword();
      systemIds = new LinkedHashMap<>();
      builder.hosts.forEach(h -> systemIds.put(h, UUID.randomUUID().toString()));
      port = freePort();
      Path config =
          new SushyConfig(
                  port,
                  certificates,
                  USERNAME,
                  password,
                  systemIds,
                  Set.copyOf(builder.stuck),
                  hooks.url(),
                  builder.powerDelaySeconds)
              .writeTo(dir, VENV);
      emulator = new SushyProcess(VENV, config, dir.resolve("emulator.log"));
      emulator.start(probe(), START_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      // the exception says what failed (for the emulator, with the end of its log)
      stop();
      hooks.close();
      deleteQuietly(dir);
      throw e;
    }
    // an emulator must not outlive a test run that ends without close()
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** {@code https://127.0.0.1:<port>}: where every host's BMC answers. */
  public URI baseUrl() {
    return URI.create("https://127.0.0.1:" + port);
  }

  /** The hosts served, in the order given. */
  public List<String> hosts() {
    return List.copyOf(systemIds.keySet());
  }

  /** {@code host}'s ComputerSystem id (a UUID: sushy-tools redirects a system's name to it). */
  public String systemId(String host) {
    String id = systemIds.get(host);
    if (id == null) {
      throw new IllegalArgumentException("no BMC for host " + host + "; serving " + hosts());
    }
    return id;
  }

  public String username() {
    return USERNAME;
  }

  public String password() {
    return password;
  }

  public BmcCredentials credentials() {
    return new BmcCredentials(USERNAME, password);
  }

  /** The CA that signed the emulator's certificate, as PEM: a {@code caBundlePem}. */
  public String caPem() {
    return certificates.caPem;
  }

  /** How vmha reaches {@code host}'s BMC: its system, the run's credentials, trusting its CA. */
  public RedfishEndpoint endpoint(String host) {
    return new RedfishEndpoint(baseUrl(), systemId(host), credentials(), caPem(), false);
  }

  /**
   * Runs {@code hook} whenever {@code host}'s BMC is told ForceOff while it is not Off, before the
   * BMC takes the request: it cannot report Off before the hook has returned. The BMC answers the
   * request only then, so keep the hook shorter than the client's request timeout, or the client
   * sends the power-off again. A hook that throws fails the request (HTTP 500).
   */
  public void onForceOff(String host, Runnable hook) {
    hooks.on(systemId(host), hook);
  }

  /** Whether the emulator process is running. */
  public boolean isRunning() {
    return emulator != null && emulator.isRunning();
  }

  /** Kills the emulator: every BMC stops answering at once, as when a BMC loses its network. */
  public void stop() {
    if (emulator != null) {
      emulator.stop();
    }
  }

  /**
   * Starts the emulator again after {@link #stop} on the same address, as a BMC comes back: the
   * systems keep their power states.
   */
  public void restart() throws IOException {
    emulator.stop();
    emulator.start(probe(), START_TIMEOUT);
  }

  /** What the emulator printed (a request per line), to explain a failed test. */
  public String log() throws IOException {
    return emulator.log();
  }

  @Override
  public void close() {
    stop();
    hooks.close();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs anyway
    }
    deleteQuietly(dir);
  }

  // a read through the product's own client proves the credentials and the system; it trusts
  // any certificate, as the server names may be made not to match on purpose
  private RedfishClient probe() {
    RedfishEndpoint first = endpoint(hosts().get(0));
    return new RedfishClient(
        new RedfishEndpoint(first.baseUrl(), first.systemId(), first.credentials(), null, true),
        Duration.ofSeconds(2));
  }

  private static String randomPassword() {
    byte[] bytes = new byte[15];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
