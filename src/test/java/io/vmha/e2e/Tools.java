package io.vmha.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the end-to-end tests find kube-apiserver, etcd, kubectl and helm, and how they run them.
 * The binaries are built by {@code hack/build-k8s-binaries.sh}; without them the tests skip.
 */
final class Tools {
  static final Path PROJECT =
      Path.of(System.getProperty("vmha.projectDir", ".")).toAbsolutePath().normalize();
  static final Path CHART = PROJECT.resolve("helm/vmha");
  private static final String BUILD_HINT =
      "run hack/build-k8s-binaries.sh (needs Go) to build them";

  private Tools() {}

  /**
   * kube-api-test's directory: {@code KUBE_API_TEST_DIR}, else where hack/build-k8s-binaries.sh put
   * them ({@code VMHA_K8S_BIN_DIR}), else {@code ~/.kubeapitest} (both tools' default).
   */
  static Path kubeApiTestDir() {
    for (String variable : List.of("KUBE_API_TEST_DIR", "VMHA_K8S_BIN_DIR")) {
      String dir = System.getenv(variable);
      if (dir != null && !dir.isBlank()) {
        return Path.of(dir);
      }
    }
    return Path.of(System.getProperty("user.home"), ".kubeapitest");
  }

  /**
   * The version directory kube-api-test will use: {@code KUBE_API_TEST_API_SERVER_VERSION} if set,
   * otherwise the newest {@code k8s/X.Y.Z-linux-<arch>} that holds all three binaries.
   */
  static Optional<Path> k8sBinaries() {
    Path k8s = kubeApiTestDir().resolve("k8s");
    if (!Files.isDirectory(k8s)) {
      return Optional.empty();
    }
    String wanted = System.getenv("KUBE_API_TEST_API_SERVER_VERSION");
    try (Stream<Path> dirs = Files.list(k8s)) {
      return dirs.filter(d -> d.getFileName().toString().matches("\\d+\\.\\d+\\.\\d+-linux-\\w+"))
          .filter(
              d ->
                  wanted == null
                      || wanted.isBlank()
                      || d.getFileName()
                          .toString()
                          .matches(wanted.replace(".", "\\.").replace("*", "\\d+") + "-linux-\\w+"))
          .filter(
              d ->
                  Stream.of("kube-apiserver", "etcd", "kubectl")
                      .allMatch(b -> Files.isExecutable(d.resolve(b))))
          .max(Comparator.comparing(Tools::versionKey));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String versionKey(Path dir) {
    String[] parts = dir.getFileName().toString().split("-")[0].split("\\.");
    StringBuilder key = new StringBuilder();
    for (String part : parts) {
      key.append(String.format("%06d", Integer.parseInt(part)));
    }
    return key.toString();
  }

  /** Skips the calling test unless a real API server can be started offline. */
  static Path assumeK8sBinaries() {
    Optional<Path> dir = k8sBinaries();
    skipUnless(
        dir.isPresent(),
        "no kube-apiserver/etcd/kubectl under "
            + kubeApiTestDir().resolve("k8s")
            + ": "
            + BUILD_HINT);
    return dir.get();
  }

  /**
   * A JUnit assumption that also says why on stderr: Surefire counts a class whose
   * {@code @BeforeAll} is skipped as zero tests and prints no reason.
   */
  static void skipUnless(boolean condition, String reason) {
    if (!condition) {
      StackWalker walker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
      String caller =
          walker.walk(
              frames ->
                  frames
                      .map(f -> f.getDeclaringClass().getSimpleName())
                      .filter(name -> name.endsWith("Test"))
                      .findFirst()
                      .orElse("end-to-end test"));
      System.err.println("SKIPPED " + caller + ": " + reason);
    }
    assumeTrue(condition, reason);
  }

  /**
   * helm: {@code $VMHA_HELM}, then {@code <kube-api-test dir>/bin/helm}, then {@code helm} on the
   * PATH.
   */
  static Optional<Path> helm() {
    String env = System.getenv("VMHA_HELM");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(Files::isExecutable);
    }
    Path built = kubeApiTestDir().resolve("bin/helm");
    if (Files.isExecutable(built)) {
      return Optional.of(built);
    }
    return onPath("helm");
  }

  static Path assumeHelm() {
    Optional<Path> helm = helm();
    skipUnless(
        helm.isPresent(),
        "helm not found ($VMHA_HELM, "
            + kubeApiTestDir().resolve("bin/helm")
            + ", PATH): "
            + BUILD_HINT);
    return helm.get();
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }

    String output() {
      return stdout + stderr;
    }

    Result orFail(List<String> command) {
      if (!ok()) {
        throw new AssertionError(
            String.join(" ", command) + " failed (" + exitCode + "):\n" + stdout + stderr);
      }
      return this;
    }
  }

  /** Runs a command to completion; output goes to files so a chatty tool never blocks on a pipe. */
  static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    return run(command, env, timeout, PROJECT);
  }

  /** The same, in directory {@code workingDirectory}. */
  static Result run(
      List<String> command, Map<String, String> env, Duration timeout, Path workingDirectory) {
    try {
      Path out = Files.createTempFile("vmha-e2e-out", ".txt");
      Path err = Files.createTempFile("vmha-e2e-err", ".txt");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(new ArrayList<>(command))
                .directory(workingDirectory.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        return new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }

  /** helm's own directories, kept out of the user's so tests never see or change their repos. */
  static Map<String, String> helmEnv() {
    Path home = PROJECT.resolve("target/e2e-helm");
    return Map.of(
        "HELM_CACHE_HOME", home.resolve("cache").toString(),
        "HELM_CONFIG_HOME", home.resolve("config").toString(),
        "HELM_DATA_HOME", home.resolve("data").toString());
  }
}
