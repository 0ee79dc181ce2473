package io.vmha.cli;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one vmha executable: {@code operator}, {@code agent}, {@code demo}, {@code bench}. */
@Command(
    name = "vmha",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "VM high availability as a Kubernetes operator.",
    subcommands = {
      OperatorCommand.class,
      AgentCommand.class,
      HostCredentialsCommand.class,
      DemoCommand.class,
      BenchCommand.class
    })
public final class VmhaCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    asyncCompletionsOnAPool();
    System.exit(commandLine().execute(args));
  }

  private static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * On two CPUs or fewer the JVM's common pool has at most one thread, and {@link
   * java.util.concurrent.CompletableFuture} then starts a new thread for every asynchronous
   * completion. The JDK HTTP client completes every request that times out or is cancelled that
   * way: when the API server stops answering for a while, a process with many requests in flight
   * (the bench's simulated hosts; an operator in a one-CPU container) started tens of thousands of
   * threads until the machine could start none, and never recovered. Must run before anything
   * touches the common pool; an explicit {@code -D} setting wins.
   */
  public static void asyncCompletionsOnAPool() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, "4");
    }
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new VmhaCommand());
    cli.registerConverter(java.time.Duration.class, new DurationConverter());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * The command that runs {@code vmha} in a new JVM of this Java, with this classpath and the given
   * JVM flags; the caller adds the subcommand and its options.
   */
  public static List<String> inNewJvm(String... jvmFlags) {
    String javaBinary =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(javaBinary));
    command.addAll(List.of(jvmFlags));
    command.addAll(List.of("-cp", absoluteClassPath(), VmhaCommand.class.getName()));
    return command;
  }

  /**
   * The class path with every entry absolute: a command run through {@code nsenter} into another
   * mount namespace starts in that namespace's root, where {@code java -jar target/vmha.jar}'s
   * relative path names nothing.
   */
  private static String absoluteClassPath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(File.pathSeparator));
  }
}
