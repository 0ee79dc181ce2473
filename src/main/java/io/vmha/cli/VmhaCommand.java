package io.vmha.cli;

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
}
