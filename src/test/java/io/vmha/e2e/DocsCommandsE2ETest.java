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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every shell command the README and the guides show works as written. A guide's commands run in
 * its order, in {@code bash}, in a directory laid out like a checkout with the jar built (the
 * README's {@code target/vmha.jar}, the guides' {@code vmha.jar}), with a cluster admin's
 * kubeconfig for a real kube-apiserver, and {@code kubectl}, {@code helm} and {@code java} on the
 * PATH. A command must exit 0, or print the answer its {@code # yes}/{@code # no} comment promises.
 * Where the chart is installed or upgraded, its operator Deployment runs as a kubelet would run it
 * ({@link ChartPods}). The commands that cannot run here are named below, each with the reason; a
 * command in the docs that is neither run nor named fails the first test.
 */
@Timeout(900)
class DocsCommandsE2ETest {
  /** Guides run in order on one API server: libvirt.md starts where install.md ends. */
  private static final List<List<String>> JOURNEYS =
      List.of(List.of("README.md"), List.of("docs/install.md", "docs/libvirt.md"));

  private static final Map<Pattern, String> NOT_RUN = new LinkedHashMap<>();

  static {
    NOT_RUN.put(
        Pattern.compile("^\\./mvnw "),
        "builds vmha: this test runs inside that build, and the jar the other commands run holds"
            + " its classes");
    NOT_RUN.put(
        Pattern.compile("^kubectl .*rollout status "),
        "waits for the Deployment controller and a kubelet, which this API server has neither of;"
            + " the test starts the Deployment's pods itself (ChartPods) and awaits their"
            + " readiness probes, which is what rollout status waits for");
    NOT_RUN.put(
        Pattern.compile("^(apt-get|install) "),
        "prepares a hypervisor host as root; hack/install-libvirt-test-deps.sh and"
            + " hack/libvirt-hosts.sh install the same packages for the libvirt tests");
    NOT_RUN.put(Pattern.compile("^(systemctl|journalctl) "), "needs the hypervisor host's systemd");
    NOT_RUN.put(
        Pattern.compile("^kubectl get vmhost \"\\$\\(hostname\\)\""),
        "reads the report of an agent the systemd unit runs on this machine");
    NOT_RUN.put(
        Pattern.compile("^hack/install-libvirt-test-deps\\.sh"),
        "installs packages as root; .ci/run runs it before the tests");
    NOT_RUN.put(
        Pattern.compile("^python3 bench/plot\\.py "),
        "plots the results of the benchmark runs above (matplotlib)");
  }

  /**
   * Commands that run too long for a test (benchmarks of 10 to 60 minutes): their arguments are
   * parsed by the shipped CLI, so an option the docs name and the jar lacks fails here;
   * BenchSmokeTest runs the benchmark itself at a small size.
   */
  private static final Pattern ARGUMENTS_CHECKED =
      Pattern.compile("^java .*-jar \\S*vmha\\.jar bench ");

  @Test
  void everyCommandInTheDocsIsRunOrExplained() throws IOException {
    List<DocCommand> unexplained = new ArrayList<>();
    Map<Pattern, Integer> uses = new HashMap<>();
    List<String> run = JOURNEYS.stream().flatMap(List::stream).toList();
    for (DocCommand command : allCommands()) {
      Pattern reason = notRunReason(command);
      if (reason != null) {
        uses.merge(reason, 1, Integer::sum);
      } else if (!run.contains(command.document())
          && !ARGUMENTS_CHECKED.matcher(command.text()).find()) {
        unexplained.add(command);
      }
    }
    assertThat(unexplained)
        .as("commands in the docs that no test runs: add the document to a journey, or say why")
        .isEmpty();
    assertThat(NOT_RUN.keySet())
        .as("every exemption names a command the docs still show")
        .allMatch(uses::containsKey);
  }

  @Test
  void benchmarkCommandsAreAcceptedByTheCli() throws IOException {
    List<DocCommand> bench =
        allCommands().stream().filter(c -> ARGUMENTS_CHECKED.matcher(c.text()).find()).toList();
    assertThat(bench).as("docs/benchmarks.md shows bench commands").isNotEmpty();
    for (DocCommand command : bench) {
      String arguments = command.text().replaceFirst("^java .*-jar \\S*vmha\\.jar ", "");
      CommandLine cli = VmhaCommand.commandLine();
      try {
        cli.parseArgs(arguments.strip().split("\\s+"));
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError(command + ": " + e.getMessage(), e);
      }
    }
  }

  @Test
  void readmeCommandsWork(@TempDir Path dir) throws Exception {
    runJourney(JOURNEYS.get(0), dir);
  }

  @Test
  void installAndLibvirtGuidesWork(@TempDir Path dir) throws Exception {
    runJourney(JOURNEYS.get(1), dir);
  }

  private void runJourney(List<String> documents, Path dir) throws Exception {
    try (RealApiServer api = RealApiServer.start();
        Shell shell = new Shell(api, dir)) {
      for (String document : documents) {
        for (DocCommand command : DocCommand.in(Tools.PROJECT.resolve(document), document)) {
          if (notRunReason(command) == null) {
            shell.run(command);
          }
        }
      }
    }
  }

  private static Pattern notRunReason(DocCommand command) {
    return NOT_RUN.keySet().stream()
        .filter(p -> p.matcher(command.text()).find())
        .findFirst()
        .orElse(null);
  }

  private static List<DocCommand> allCommands() throws IOException {
    List<DocCommand> commands =
        new ArrayList<>(DocCommand.in(Tools.PROJECT.resolve("README.md"), "README.md"));
    try (Stream<Path> docs = Files.list(Tools.PROJECT.resolve("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        commands.addAll(DocCommand.in(doc, "docs/" + doc.getFileName()));
      }
    }
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
              List.of("bash", "-o", "pipefail", "-c", command.text()),
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
