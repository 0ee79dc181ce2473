package io.vmha.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real libvirt hosts {@code hack/libvirt-hosts.sh up} prepares (one libvirtd, virtlockd and
 * network namespace each, QEMU under software emulation), as the end-to-end tests and {@code vmha
 * demo --hypervisor libvirt} use them: what {@code vmha agent --driver libvirt} needs to run a
 * host, and the host-level faults, each carried out by the script.
 */
public final class LibvirtHosts {
  public static final Path SUMMARY = Path.of("/var/lib/vmha-test-hosts/hosts.json");

  /**
   * The script, from the repository's root (where the demo and the tests run) or {@code
   * vmha.projectDir}.
   */
  public static final Path SCRIPT =
      Path.of(System.getProperty("vmha.projectDir", "."), "hack/libvirt-hosts.sh")
          .toAbsolutePath()
          .normalize();

  /**
   * One host: its name, its libvirtd's TCP URI (also what peers migrate to), the unix-socket URI
   * the test reaches it by however its network is, its local disk, and its address.
   */
  public record Host(String name, String uri, String unixUri, Path localDir, String address) {}

  public final Path sharedDir;
  public final Map<String, Host> hosts = new LinkedHashMap<>();
  private final JsonNode summary;

  private LibvirtHosts(JsonNode summary) {
    this.summary = summary;
    this.sharedDir = Path.of(summary.path("sharedDir").asText());
    summary
        .path("hosts")
        .forEach(
            h ->
                hosts.put(
                    h.path("name").asText(),
                    new Host(
                        h.path("name").asText(),
                        h.path("uri").asText(),
                        h.path("unixUri").asText(),
                        Path.of(h.path("localDir").asText()),
                        h.path("address").asText())));
  }

  /** What to run to prepare {@code n} hosts. */
  public static String hint(int n) {
    return "run: sudo hack/libvirt-hosts.sh up " + n;
  }

  /** The hosts the script prepared, or empty when it has not run here. */
  public static java.util.Optional<LibvirtHosts> prepared() throws IOException {
    if (!Files.isReadable(SUMMARY)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new LibvirtHosts(new ObjectMapper().readTree(SUMMARY.toFile())));
  }

  /** Whether every host's libvirtd answers now. */
  public static boolean allAnswer() {
    return Script.run(List.of("bash", SCRIPT.toString(), "status"), Duration.ofSeconds(30)).ok();
  }

  /** The test guest's image, on shared storage under {@code images/}: templates boot it. */
  public String sharedImage() throws IOException {
    Path image = sharedDir.resolve("images/base.qcow2");
    if (!Files.exists(image)) {
      Files.createDirectories(image.getParent());
      Files.copy(baseImage(), image, StandardCopyOption.REPLACE_EXISTING);
    }
    return "images/base.qcow2";
  }

  /** The test guest's disk image as the script built it (copy it; never boot it in place). */
  public Path baseImage() {
    return Path.of(summary.path("baseImage").asText());
  }

  /**
   * Removes what earlier runs left of namespace {@code namespace}: its domains on every host, and
   * on shared storage its serial logs and instance overlays. Instance names start again with every
   * new API server, and a guest must not boot from, or print into, the files of an earlier run's
   * instance of the same name.
   */
  public void forgetEarlierRuns(String namespace) throws Exception {
    for (Host host : hosts.values()) {
      try (var libvirt =
          io.vmha.agent.libvirt.LibvirtDriver.builder(host.unixUri())
              .domainType("qemu")
              .build()
              .connect()) {
        for (var instance : libvirt.instances()) {
          if (instance.vmKey() != null && instance.vmKey().startsWith(namespace + "/")) {
            libvirt.stop(instance.ref());
          }
        }
      }
    }
    try (var files = Files.list(sharedDir)) {
      for (Path file : files.toList()) {
        if (file.getFileName().toString().startsWith(namespace + "_")) {
          Files.delete(file);
        }
      }
    }
    Path overlays = sharedDir.resolve(".vmha/instances/" + namespace);
    if (Files.isDirectory(overlays)) {
      try (var files = Files.list(overlays)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
    }
  }

  /** The {@code vmha agent} options that run {@code host} (state kept under {@code stateDir}). */
  public List<String> agentArgs(String host, Path stateDir) {
    Host h = hosts.get(host);
    return new ArrayList<>(
        List.of(
            "--driver=libvirt",
            "--libvirt-uri=" + h.uri(),
            "--libvirt-migration-uri=" + h.uri(),
            "--libvirt-domain-type=" + summary.path("domainType").asText("qemu"),
            "--libvirt-kernel=" + summary.path("kernel").asText(),
            "--libvirt-initrd=" + summary.path("initrd").asText(),
            "--libvirt-cmdline=" + summary.path("cmdline").asText(),
            "--libvirt-cpu-model=qemu64",
            "--libvirt-serial-log-dir=" + sharedDir,
            "--state-dir=" + stateDir.resolve(host)));
  }

  /**
   * Where an agent of {@code host} runs as on a real host: in its libvirtd's mount and network
   * namespaces, serving its peers on the host's address, and reaching the API server through a
   * proxy on the bridge, by the name the server's certificate carries ("kubernetes", which the
   * script's hosts file maps to the bridge). {@link #isolate} then cuts it off from the API server,
   * its peers and the migration network at once, as a pulled cable does.
   */
  public AgentProcess.Placement placementOf(String host) {
    try {
      return new AgentProcess.Placement(
          () ->
              List.of(
                  "nsenter",
                  "--mount=/proc/" + libvirtdPid(host) + "/ns/mnt",
                  "--net=/proc/" + libvirtdPid(host) + "/ns/net",
                  "--"),
          hosts.get(host).address(),
          java.net.InetAddress.getByName(summary.path("bridgeAddress").asText()),
          summary.path("bridgeHostname").asText());
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("bad bridge address in " + SUMMARY, e);
    }
  }

  private static String libvirtdPid(String host) {
    Path pidFile = Path.of("/run/vmha-" + host + "/libvirtd.pid");
    try {
      return Files.readString(pidFile).strip();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(host + " is not up (no " + pidFile + ")", e);
    }
  }

  /**
   * The bridge of the hosts' VM network, where guests of agents started with {@code
   * --libvirt-bridge} get their NIC; empty where {@code up} could not make one.
   */
  public java.util.Optional<String> vmBridge() {
    return java.util.Optional.ofNullable(summary.path("vmBridge").textValue());
  }

  /**
   * {@code host}'s VM network: {@code down} takes its bridge's uplink off the switch (the VM
   * network lost, its own link and storage intact), {@code up} puts it back.
   */
  public void network(String host, String state) {
    script("network", host, state);
  }

  /** Takes {@code host}'s network link down: it reaches nobody and nobody reaches it. */
  public void isolate(String host) {
    script("isolate", host);
  }

  /** Puts {@code host}'s network link back up. */
  public void rejoin(String host) {
    script("rejoin", host);
  }

  /**
   * {@code host}'s view of the shared directory: {@code on} puts vmha-faultfs between the host and
   * the directory (for guests started after it), {@code fail} makes every I/O through it fail with
   * EIO, {@code heal} ends that, {@code off} takes the view away again.
   */
  public void storage(String host, String what) {
    script("storage", host, what);
  }

  /**
   * {@code host}'s incoming live-migration streams: {@code stall} holds them to 8 bit/s (a
   * migration network that stops moving while libvirtd's own link stays up), {@code heal} ends it.
   */
  public void migrationLink(String host, String state) {
    script("migration-link", host, state);
  }

  /** vmha-faultfs, which storage faults need; {@code up} builds it where Go is installed. */
  public Path faultfs() {
    return Path.of(summary.path("dir").asText(), "lib", "vmha-faultfs");
  }

  /** A power cut of {@code host}: its libvirtd, virtlockd and every QEMU of it killed. */
  public void crash(String host) {
    script("crash", host);
  }

  /** Brings every crashed host back, empty, as a host comes back from a reset. */
  public void up() {
    script("up", Integer.toString(hosts.size()));
  }

  private static void script(String... args) {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Script.run(command, Duration.ofMinutes(3)).orFail();
  }

  /** The serial console of a domain (every host appends to the same file across migrations). */
  public String console(String domain) throws IOException {
    Path log = sharedDir.resolve(domain + ".serial.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
