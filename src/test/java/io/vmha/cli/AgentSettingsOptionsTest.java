package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.Settings;
import io.vmha.core.model.AgentSettings;
import io.vmha.core.model.FencingPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code vmha agent}'s timing and fencing options are the operator's settings (R6): left out, they
 * are the operator's defaults, so an agent started without them matches an operator started without
 * them.
 */
class AgentSettingsOptionsTest {

  static AgentSettings settings(String... options) {
    String[] args = new String[options.length + 3];
    args[0] = "agent";
    args[1] = "--host=hv1";
    args[2] = "--driver=simulated";
    System.arraycopy(options, 0, args, 3, options.length);
    CommandLine.ParseResult parsed = VmhaCommand.commandLine().parseArgs(args);
    AgentCommand agent = parsed.subcommand().commandSpec().commandLine().getCommand();
    return agent.agentSettings();
  }

  @Test
  void byDefaultTheAgentRunsTheOperatorsDefaults() {
    assertThat(settings()).isEqualTo(AgentSettings.of(Settings.defaults()));
  }

  @Test
  void eachOptionSetsItsSetting() {
    assertThat(
            settings(
                "--heartbeat-interval=1s",
                "--self-fence-after=5s",
                "--host-grace-period=9s",
                "--fencing=None",
                "--max-unhealthy-fraction=0.25"))
        .isEqualTo(
            new AgentSettings(
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(9),
                FencingPolicy.None,
                0.25));
  }
}
