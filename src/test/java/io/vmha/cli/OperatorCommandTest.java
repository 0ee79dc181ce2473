package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The operator refuses settings under which a host could be declared lost before it fenced itself
 * (H1).
 */
class OperatorCommandTest {

  private static String refusal(String... args) {
    var cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).as("exit code").isEqualTo(2);
    return err.toString();
  }

  @Test
  void refusesAGracePeriodShorterThanSelfFencingPlusAHeartbeatPlusSlack() {
    // 10 s self-fence + 2 s heartbeat + 2 s slack = 14 s needed
    assertThat(refusal("operator", "--host-grace-period", "13s")).contains("hostGracePeriod");
  }

  @Test
  void refusesAnUnhealthyFractionOutsideZeroToOne() {
    assertThat(refusal("operator", "--max-unhealthy-fraction", "1.5"))
        .contains("maxUnhealthyFraction");
  }

  @Test
  void refusesAnUnknownFencingPolicyByName() {
    assertThat(refusal("operator", "--fencing", "Sometimes")).contains("--fencing");
  }
}
