package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.cli.VmhaCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine;

/**
 * Every command the docs show works as written. A command is a line of a {@code ```sh} or {@code
 * ```bash} block, a line of an unlabelled block that starts with a command word, an {@code Exec…=}
 * line of a systemd unit, or a code span in the text that starts with one ({@link DocCommand}), in
 * the README, the guides under {@code docs/} and the chart's README.
 *
 * <p>A journey's commands run in its order (each document's blocks, then the commands in its text,
 * which speak of what the blocks built), in {@code bash}, in a directory laid out like a checkout
 * with the jar built (the README's {@code target/vmha.jar}, the guides' {@code vmha.jar}), with a
 * cluster admin's kubeconfig for a real kube-apiserver, and {@code kubectl}, {@code helm} and
 * {@code java} on the PATH. A command must exit 0, or print the answer its {@code # yes}/{@code #
 * no} comment promises. Where the chart is installed or upgraded, its operator Deployment runs as a
 * kubelet would run it ({@link ChartPods}). A placeholder ({@code <host>}) stands for an object the
 * journey has. Commands that run until stopped, or for minutes, are parsed by the program that
 * takes them instead. The commands that cannot run here are named below, each with the reason; a
 * command in the docs that is neither run, parsed nor named fails the first test.
 */
@Timeout(900)
class DocsCommandsE2ETest {
  /**
   * Documents run in order on one API server: libvirt.md starts where install.md ends, and the
   * guides without blocks of their own speak of the README's fleet.
   */
  private static final List<List<String>> JOURNEYS =
      List.of(
          List.of("README.md", "docs/gitops.md", "docs/operator.md", "docs/agent.md"),
          List.of("docs/install.md", "docs/libvirt.md"),
          List.of("helm/vmha/README.md"));

  /** What the docs' placeholders stand for: a host of the README's fleet, the chart's namespace. */
  private static final Map<Pattern, String> PLACEHOLDERS =
      Map.of(
          Pattern.compile("<name>|<host>|\\bNAME\\b|%H"), "atlantic",
          Pattern.compile("<namespace>"), "vmha-system");

  private static final Map<Pattern, String> NOT_RUN = new LinkedHashMap<>();

  static {
    NOT_RUN.put(
        Pattern.compile("^\\./mvnw "),
        "builds vmha: this test runs inside that build, and the jar the other commands run holds"
            + " its classes");
    NOT_RUN.put(
        Pattern.compile("^kubectl wait --for=condition=Drained "),
        "waits for a host's drain, and the README's fleet drains none; DrainE2ETest checks the"
            + " Drained condition it waits for");
    NOT_RUN.put(
        Pattern.compile("^kubectl .*rollout status "),
        "waits for the Deployment controller and a kubelet, which this API server has neither of;"
            + " the test starts the Deployment's pods itself (ChartPods) and awaits their"
            + " readiness probes, which is what rollout status waits for");
    NOT_RUN.put(
        Pattern.compile(
            "^(kubectl|helm) (apply|install|upgrade|uninstall|template|auth can-i)( --[a-z-]+)?$"),
        "names a subcommand (and an option of it) in the text; the blocks show it in full");
    NOT_RUN.put(
        Pattern.compile("^kubectl patch vmhost .*--dry-run=server"),
        "shows that admission refuses one host another's report, for a fleet of hosts hv-01 and"
            + " hv-02 the guide never makes; HostIdentityE2ETest runs the same dry runs for two"
            + " host identities, their own objects and each other's");
    NOT_RUN.put(
        Pattern.compile("^(apt-get|install) "),
        "prepares a hypervisor host as root; hack/install-libvirt-test-deps.sh and"
            + " hack/libvirt-hosts.sh install the same packages for the libvirt tests");
    NOT_RUN.put(
        Pattern.compile("^(systemctl|journalctl)( |$)"), "needs the hypervisor host's systemd");
    NOT_RUN.put(
        Pattern.compile("^(/sbin/)?modprobe softdog"),
        "loads the kernel's software watchdog on the hypervisor host, as root; the agent's tests"
            + " feed a FIFO in its place (WatchdogFifo)");
    NOT_RUN.put(
        Pattern.compile("^virsh "),
        "asks a hypervisor host's libvirt daemon; the libvirt tests ask theirs through the driver");
    NOT_RUN.put(
        Pattern.compile("^kubectl get vmhost \"\\$\\(hostname\\)\""),
        "reads the report of an agent the systemd unit runs on this machine");
    NOT_RUN.put(
        Pattern.compile("^kubectl --kubeconfig vmha-demo-kubeconfig "),
        "reads the API server a demo with --keep-running keeps up until it is stopped; the same"
            + " `kubectl get vmha` runs here against the README's fleet");
    NOT_RUN.put(
        Pattern.compile("^hack/install-libvirt-test-deps\\.sh"),
        "installs packages as root; .ci/run runs it before the tests");
    NOT_RUN.put(
        Pattern.compile("^hack/build-k8s-binaries\\.sh$"),
        "builds the kube-apiserver this test runs on (from the Go module proxy, minutes);"
            + " .ci/run runs it before the tests");
    NOT_RUN.put(
        Pattern.compile("^(sudo )?hack/libvirt-hosts\\.sh "),
        "drives the libvirt test hosts, daemons in network namespaces of their own, as root: .ci/run"
            + " starts them (up) for RealGuestTest and RealDatacenterE2ETest, which fail their"
            + " storage or migration links with it");
    NOT_RUN.put(
        Pattern.compile("^hack/redfish-bmc\\.sh "),
        "installs the Redfish BMC emulator (sushy-tools from PyPI) into a Python venv: .ci/run runs"
            + " it before the tests, and RedfishClientTest starts the emulator it installs");
    NOT_RUN.put(
        Pattern.compile("^java -cp … org\\.openjdk\\.jmh\\.Main$"),
        "what bench/core-planner.sh runs, its class path left out; the script's options are parsed"
            + " by JMH here");
    NOT_RUN.put(
        Pattern.compile("^python3 bench/plot\\.py "),
        "plots the results of the benchmark runs above (matplotlib)");
  }

  /** A program that parses a command's options without running it. */
  private enum Parser {
    /** The shipped CLI, with a unit's {@code Environment=} given as the options it sets. */
    VMHA,
    /** JMH's own option parser, to which bench/core-planner.sh hands its arguments. */
    JMH
  }

  private record Parsed(Parser parser, String reason) {}

  /**
   * Commands that run too long for a test, or until they are stopped, or only on a hypervisor host:
   * their options are parsed by the program that takes them, so an option the docs name and the
   * program lacks fails here.
   */
  private static final Map<Pattern, Parsed> PARSED = new LinkedHashMap<>();

  static {
    PARSED.put(
        Pattern.compile("^java .*-jar \\S*vmha\\.jar bench "),
        new Parsed(
            Parser.VMHA,
            "benchmarks of 10 to 60 minutes; BenchSmokeTest runs the benchmark at a small size"));
    PARSED.put(
        Pattern.compile("^java .*-jar \\S*vmha\\.jar demo .*--real-timings"),
        new Parsed(
            Parser.VMHA,
            "plays every scenario with the spec's timings, minutes; the README's demo runs here"
                + " with the same scenarios on compressed timings"));
    PARSED.put(
        Pattern.compile("^java .*-jar \\S*vmha\\.jar demo .*--hypervisor libvirt"),
        new Parsed(
            Parser.VMHA,
            "plays the demo on real QEMU guests, minutes, on hosts other tests crash and heal;"
                + " LibvirtDemoE2ETest runs it"));
    PARSED.put(
        Pattern.compile("^vmha "),
        new Parsed(
            Parser.VMHA,
            "the image's command (java -jar vmha.jar): an operator or agent runs until it is"
                + " stopped, in a cluster or on a hypervisor host; the text names its options, a"
                + " synopsis shows them all (each alternative is parsed)"));
    PARSED.put(
        Pattern.compile("^/usr/bin/java .*-jar /opt/vmha/vmha\\.jar agent"),
        new Parsed(
            Parser.VMHA,
            "the agent as its systemd unit runs it on a hypervisor host, with the unit's"
                + " environment; RealDatacenterE2ETest runs the libvirt agent on real hosts"));
    PARSED.put(
        Pattern.compile("^bench/core-planner\\.sh"),
        new Parsed(
            Parser.JMH,
            "a JMH run of minutes; CorePlannerBenchmarkScenarioTest checks what it measures"));
  }

  /**
   * Variables the unit sets for the Kubernetes client the agent uses, not for the agent's options.
   */
  private static final Set<String> CLIENT_ENVIRONMENT = Set.of("KUBECONFIG");

  @Test
  void everyCommandInTheDocsIsRunOrExplained() throws IOException {
    List<DocCommand> unexplained = new ArrayList<>();
    Set<Pattern> uses = new HashSet<>();
    List<String> run = JOURNEYS.stream().flatMap(List::stream).toList();
    for (DocCommand command : allCommands()) {
      Pattern reason = matching(NOT_RUN.keySet(), command);
      Pattern parsed = matching(PARSED.keySet(), command);
      if (reason != null) {
        uses.add(reason);
      } else if (parsed != null) {
        uses.add(parsed);
      } else if (!run.contains(command.document()) || command.kind() == DocCommand.Kind.UNIT) {
        unexplained.add(command);
      }
    }
    assertThat(unexplained)
        .as(
            "commands in the docs that no test runs: add the document to a journey, or say why"
                + " (NOT_RUN), or have the program parse it (PARSED)")
        .isEmpty();
    assertThat(NOT_RUN.keySet())
        .as("every exemption names a command the docs still show")
        .allMatch(uses::contains);
    assertThat(PARSED.keySet())
        .as("every parsed kind of command is one the docs still show")
        .allMatch(uses::contains);
  }

  @Test
  void commandsThatDoNotRunHereAreAcceptedByTheirPrograms() throws IOException {
    int parsed = 0;
    for (DocCommand command : allCommands()) {
      Pattern pattern = matching(PARSED.keySet(), command);
      if (pattern == null || matching(NOT_RUN.keySet(), command) != null) {
        continue;
      }
      switch (PARSED.get(pattern).parser()) {
        case VMHA -> parseWithCli(command);
        case JMH -> parseWithJmh(command);
      }
      parsed++;
    }
    System.out.printf("docs: %d commands parsed by their programs%n", parsed);
  }

  @Test
  void readmeCommandsWork(@TempDir Path dir) throws Exception {
    runJourney(JOURNEYS.get(0), dir);
  }

  @Test
  void installAndLibvirtGuidesWork(@TempDir Path dir) throws Exception {
    runJourney(JOURNEYS.get(1), dir);
  }

  @Test
  void chartReadmeCommandsWork(@TempDir Path dir) throws Exception {
    runJourney(JOURNEYS.get(2), dir);
  }

  private void runJourney(List<String> documents, Path dir) throws Exception {
    try (RealApiServer api = RealApiServer.start();
        Shell shell = new Shell(api, dir)) {
      for (String document : documents) {
        for (DocCommand command : DocCommand.in(Tools.PROJECT.resolve(document), document)) {
          if (command.kind() != DocCommand.Kind.UNIT
              && matching(NOT_RUN.keySet(), command) == null
              && matching(PARSED.keySet(), command) == null) {
            shell.run(command);
          }
        }
      }
    }
  }

  /**
   * The options of a {@code vmha} command, given to the CLI as the docs show them. A unit's
   * variables become the options that read them, so a variable no option reads fails. In the text
   * an option may be named without the ones its command also needs; a synopsis is parsed once with
   * the first of each alternative and once with the last.
   */
  private static void parseWithCli(DocCommand command) {
    String arguments =
        substitute(command.text().replaceFirst("^(vmha|\\S*java .*?-jar \\S*vmha\\.jar)\\s*", ""));
    for (List<String> variant : alternatives(arguments)) {
      List<String> argv = new ArrayList<>(variant);
      if (!argv.isEmpty()) {
        argv.addAll(1, optionsOf(argv.get(0), command));
      }
      try {
        VmhaCommand.commandLine().parseArgs(argv.toArray(String[]::new));
      } catch (CommandLine.MissingParameterException e) {
        if (command.kind() != DocCommand.Kind.PROSE) {
          throw new AssertionError(command + " as " + argv + ": " + e.getMessage(), e);
        }
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError(command + " as " + argv + ": " + e.getMessage(), e);
      }
    }
  }

  private static List<String> optionsOf(String subcommand, DocCommand command) {
    // Uninterpolated, a default names the variable it is read from.
    CommandLine cli =
        VmhaCommand.commandLine().setInterpolateVariables(false).getSubcommands().get(subcommand);
    if (cli == null || command.environment().isEmpty()) {
      return List.of();
    }
    List<String> options = new ArrayList<>();
    command
        .environment()
        .forEach(
            (variable, value) -> {
              if (CLIENT_ENVIRONMENT.contains(variable)) {
                return;
              }
              Pattern reads =
                  Pattern.compile("\\$\\{env:" + Pattern.quote(variable) + "(:-[^}]*)?}");
              CommandLine.Model.OptionSpec option =
                  cli.getCommandSpec().options().stream()
                      .filter(
                          o -> o.defaultValue() != null && reads.matcher(o.defaultValue()).find())
                      .findFirst()
                      .orElseThrow(
                          () ->
                              new AssertionError(
                                  command
                                      + ": sets "
                                      + variable
                                      + ", which no option of vmha "
                                      + subcommand
                                      + " reads"));
              if (option.arity().max() > 0) {
                options.add(option.longestName());
                options.add(substitute(value));
              } else if (Boolean.parseBoolean(value)) {
                options.add(option.longestName());
              }
            });
    return options;
  }

  /** A synopsis ({@code [--a X | --b] --c x|y}) as the argument lists it allows; else the words. */
  private static List<List<String>> alternatives(String arguments) {
    String words = arguments.replaceFirst("\\s+#.*$", "");
    if (!words.contains("[")) {
      return List.of(List.of(words.split("\\s+(>|\\||;|2>)")[0].strip().split("\\s+")));
    }
    List<List<String>> variants = new ArrayList<>();
    for (String side : List.of("$1", "$2")) {
      String variant =
          words
              .replaceAll("\\[([^]|]*?) \\| ([^]]*?)]", side)
              .replaceAll("[\\[\\]]", "")
              .replaceAll("([^\\s|]+)\\|([^\\s|]+)", side);
      variants.add(List.of(variant.strip().split("\\s+")));
    }
    return variants;
  }

  private static void parseWithJmh(DocCommand command) {
    String arguments =
        command.text().replaceFirst("^\\S+", "").replaceFirst("\\s+#.*$", "").strip();
    try {
      new CommandLineOptions(arguments.isEmpty() ? new String[0] : arguments.split("\\s+"));
    } catch (CommandLineOptionException e) {
      throw new AssertionError(command + ": " + e.getMessage(), e);
    }
  }

  private static String substitute(String text) {
    String result = text;
    for (var placeholder : PLACEHOLDERS.entrySet()) {
      result = placeholder.getKey().matcher(result).replaceAll(placeholder.getValue());
    }
    return result;
  }

  private static Pattern matching(Set<Pattern> patterns, DocCommand command) {
    return patterns.stream().filter(p -> p.matcher(command.text()).find()).findFirst().orElse(null);
  }

  private static List<DocCommand> allCommands() throws IOException {
    List<DocCommand> commands =
        new ArrayList<>(DocCommand.in(Tools.PROJECT.resolve("README.md"), "README.md"));
    try (Stream<Path> docs = Files.list(Tools.PROJECT.resolve("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        commands.addAll(DocCommand.in(doc, "docs/" + doc.getFileName()));
      }
    }
    commands.addAll(
        DocCommand.in(Tools.PROJECT.resolve("helm/vmha/README.md"), "helm/vmha/README.md"));
    return commands;
  }

  /** A user's shell in a checkout of vmha with the jar built, pointed at the API server. */
  private static final class Shell implements AutoCloseable {
    private static final Pattern HELM_RELEASE_CHANGE =
        Pattern.compile("^helm (install|upgrade) .*(-n|--namespace) (\\S+)");

    private final RealApiServer api;
    private final Path workspace;
    private final Path logs;
    private final Map<String, String> env = new HashMap<>(Tools.helmEnv());
    private ChartPods pods;

    Shell(RealApiServer api, Path dir) throws IOException {
      this.api = api;
      this.workspace = Files.createDirectories(dir.resolve("vmha"));
      this.logs = Files.createDirectories(dir.resolve("logs"));
      for (String tree : List.of("helm", "crds", "examples", "bench")) {
        Files.createSymbolicLink(workspace.resolve(tree), Tools.PROJECT.resolve(tree));
      }
      Path jar =
          launcherJar(Files.createDirectories(workspace.resolve("target")).resolve("vmha.jar"));
      Files.createSymbolicLink(workspace.resolve("vmha.jar"), jar);
      Path bin = Files.createDirectories(dir.resolve("bin"));
      Files.createSymbolicLink(
          bin.resolve("kubectl"), Tools.assumeK8sBinaries().resolve("kubectl"));
      Files.createSymbolicLink(bin.resolve("helm"), Tools.assumeHelm());
      Path java = Path.of(System.getProperty("java.home"), "bin");
      env.put("PATH", bin + ":" + java + ":" + System.getenv("PATH"));
      env.put("KUBECONFIG", api.kubeconfig().toString());
    }

    void run(DocCommand command) throws Exception {
      Tools.Result result =
          Tools.run(
              List.of("bash", "-o", "pipefail", "-c", substitute(command.text())),
              env,
              Duration.ofMinutes(5),
              workspace);
      if (command.promisedAnswer() != null) {
        assertThat(result.stdout().strip())
            .as(command + "\n" + result.output())
            .isEqualTo(command.promisedAnswer());
        return;
      }
      assertThat(result.exitCode()).as(command + " failed:\n" + result.output()).isZero();
      var release = HELM_RELEASE_CHANGE.matcher(command.text());
      if (release.find()) {
        restartOperatorPods(release.group(3));
      }
    }

    /** A kubelet runs the new pod template of a Deployment that was installed or changed. */
    private void restartOperatorPods(String namespace) throws Exception {
      if (pods != null) {
        pods.close();
      }
      String deployment =
          api.admin()
              .apps()
              .deployments()
              .inNamespace(namespace)
              .list()
              .getItems()
              .get(0)
              .getMetadata()
              .getName();
      long started = System.nanoTime();
      pods = ChartPods.start(api, namespace, deployment, workspace.resolve("vmha.jar"), logs);
      pods.awaitReady(Duration.ofSeconds(90));
      System.out.printf(
          "docs: %d replica(s) of Deployment %s/%s ready in %d ms%n",
          pods.size(), namespace, deployment, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * {@code target/vmha.jar} as the build makes it, for this build's classes: a jar whose manifest
     * names the CLI's main class and the classes and libraries it runs with.
     */
    private static Path launcherJar(Path jar) throws IOException {
      Manifest manifest = new Manifest();
      Attributes attributes = manifest.getMainAttributes();
      attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
      attributes.put(Attributes.Name.MAIN_CLASS, VmhaCommand.class.getName());
      List<String> classPath = new ArrayList<>();
      for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
        if (!entry.contains("test-classes")) {
          classPath.add(Path.of(entry).toUri().toString());
        }
      }
      attributes.put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
      try (OutputStream out = Files.newOutputStream(jar);
          JarOutputStream ignored = new JarOutputStream(out, manifest)) {
        return jar;
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (pods != null) {
        pods.close();
      }
    }
  }
}
