package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.cli.VmhaCommand;
import io.vmha.core.model.FencingPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class AgentCommandTest {
  @Test
  void parsesItsOptionsWithDefaults() {
    ParseResult parsed =
        VmhaCommand.commandLine()
            .parseArgs(
                "agent",
                "--host",
                "host-1",
                "--driver",
                "simulated",
                "--heartbeat-interval",
                "500ms",
                "--fencing",
                "none");
    ParseResult agent = parsed.subcommand();
    assertThat(agent.commandSpec().name()).isEqualTo("agent");
    assertThat(agent.<String>matchedOptionValue("--host", null)).isEqualTo("host-1");
    assertThat(agent.<Duration>matchedOptionValue("--heartbeat-interval", null))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(agent.<FencingPolicy>matchedOptionValue("--fencing", null))
        .isEqualTo(FencingPolicy.None);
    assertThat(agent.commandSpec().findOption("--self-fence-after").getValue().toString())
        .isEqualTo("PT10S");
    assertThat(agent.commandSpec().findOption("--listen-port").<Integer>getValue()).isEqualTo(9740);
    assertThat(agent.commandSpec().findOption("--max-unhealthy-fraction").<Double>getValue())
        .isEqualTo(0.5);
  }

  @Test
  void refusesAFractionTheOperatorWouldRefuse() {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(
            cli.execute(
                "agent", "--host", "h", "--driver", "simulated", "--max-unhealthy-fraction", "1.5"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--max-unhealthy-fraction must be in (0, 1]");
  }

  @Test
  void refusesSelfFencingWithoutAPeerToken() {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    // peers must authenticate each other before one tells another to keep its VMs running
    assertThat(cli.execute("agent", "--host", "h", "--driver", "libvirt")).isEqualTo(2);
    assertThat(err.toString()).contains("peer token");
  }

  /** A real host must never run the simulation because nobody said otherwise. */
  @Test
  void hasNoSilentDefaultDriver() {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("agent", "--host", "h")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--driver");
  }

  /** R3: the libvirt agent refuses to run without a watchdog unless told so explicitly. */
  @Test
  void refusesToRunWithoutAWatchdogDevice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path token = dir.resolve("token");
    java.nio.file.Files.writeString(token, "a-peer-token-long-enough-for-hmac");
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    String missing = dir.resolve("no-such-watchdog").toString();
    assertThat(
            cli.execute(
                "agent",
                "--host",
                "h",
                "--driver",
                "libvirt",
                "--peer-token-file",
                token.toString(),
                "--watchdog-device",
                missing))
        .isEqualTo(2);
    assertThat(err.toString()).contains("no watchdog device " + missing, "--no-watchdog");
  }
}
