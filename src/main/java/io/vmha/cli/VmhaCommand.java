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
    System.exit(commandLine().execute(args));
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
