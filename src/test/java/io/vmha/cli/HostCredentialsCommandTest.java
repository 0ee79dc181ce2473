package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad input to {@code vmha host-credentials} is refused before anything touches the cluster. */
class HostCredentialsCommandTest {

  private static String refused(String... args) {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    String[] full = new String[args.length + 1];
    full[0] = "host-credentials";
    System.arraycopy(args, 0, full, 1, args.length);
    assertThat(cli.execute(full)).as("exit code").isEqualTo(2);
    return err.toString();
  }

  @Test
  void refusesAHostNameThatCannotNameAServiceAccount() {
    assertThat(refused("--host=Hv_01")).contains("--host must be a VmHost name");
    assertThat(refused("--host=" + "a".repeat(250))).contains("--host must be a VmHost name");
  }

  @Test
  void refusesATokenShorterThanTheApiServerIssues() {
    assertThat(refused("--host=hv-01", "--duration=5m")).contains("at least 10m");
  }

  @Test
  void needsAHost() {
    assertThat(refused()).contains("--host");
  }
}
