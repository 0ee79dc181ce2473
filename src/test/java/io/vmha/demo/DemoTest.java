package io.vmha.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.cli.VmhaCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newcomer's first command plays every seed scenario and keeps every invariant. */
class DemoTest {

  @Test
  void theDemoPassesEveryScenarioAndWritesItsReport(@TempDir Path dir) throws Exception {
    playAndCheck(dir, "embedded");
  }

  /**
   * The seed's own behaviour, without fencing: failover at once with stale records. The demo's
   * checks change where they must (a cut-off host keeps its VMs, recorded as stale), and an API
   * outage for everyone still moves nothing.
   */
  @Test
  void withoutFencingEveryScenarioPassesToo() {
    String output = playExpectingSuccess("demo", "--api", "embedded", "--fencing", "None");
    assertThat(output)
        .contains("fencing None")
        .contains("scenarios: 15 of 15 passed")
        .contains("DuplicateRisk")
        .contains("AwaitingReport");
  }

  /**
   * Real agent processes select their VMs by field, which the in-process server does not serve:
   * asked for both, the demo says what to run instead of waiting for VMs that never start.
   */
  @Test
  void realHostsOnTheEmbeddedApiServerAreRefusedWithWhatToRun() {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try (PrintStream err = new PrintStream(captured, true)) {
      System.setErr(err);
      exit =
          VmhaCommand.commandLine().execute("demo", "--hypervisor", "libvirt", "--api", "embedded");
    } finally {
      System.setErr(original);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(captured.toString()).contains("need a real kube-apiserver", "--api real");
  }

  /** Runs {@code vmha ARGS}, echoes and returns its output, and checks that it exited 0. */
  static String playExpectingSuccess(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try (PrintStream out = new PrintStream(captured, true)) {
      System.setOut(out);
      exit = VmhaCommand.commandLine().execute(args);
    } finally {
      System.setOut(original);
    }
    String output = captured.toString();
    original.println(output);
    assertThat(exit).as("exit code; what failed: %s", whatFailed(output)).isZero();
    return output;
  }

  /**
   * The failing scenarios' headers and failures, and the invariant verdict: the assertion message
   * is what a CI summary shows of a failing run, and the whole output may not be kept.
   */
  private static String whatFailed(String output) {
    List<String> lines = new ArrayList<>();
    String scenario = "";
    for (String line : output.split("\n")) {
      if (line.startsWith("== ")) {
        scenario = line;
      } else if (line.contains("FAILED") || line.contains("violat")) {
        lines.add(scenario + " | " + line.strip());
      } else if (line.startsWith("invariants ") || line.startsWith("scenarios: ")) {
        lines.add(line.strip());
      }
    }
    return String.join(" // ", lines.subList(0, Math.min(lines.size(), 8)));
  }

  static void playAndCheck(Path dir, String api) throws Exception {
    Path report = dir.resolve("report.json");
    String output = playExpectingSuccess("demo", "--api", api, "--report", report.toString());
    assertThat(output)
        .contains("invariants I1-I6: held throughout")
        .contains("scenarios: 15 of 15 passed")
        .contains("FencedByPower");
    assertThat(output)
        .contains("FailedOver")
        .contains("WaitingForHost")
        .contains("GuestAgentAlive")
        .contains("MigrationStarted")
        .contains("SpmAssigned")
        .contains("FencingRequested")
        .contains("FailoverFrozen")
        // the Kill VM left its host though no migration could take it: its agent stopped it
        .contains("is stopped on", "and runs on another host");

    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.get("scenarios")).hasSize(15);
    json.get("scenarios")
        .forEach(
            s -> {
              assertThat(s.get("passed").asBoolean()).as(s.get("name").asText()).isTrue();
              assertThat(s.get("checks")).isNotEmpty();
            });
    assertThat(json.get("invariantViolations")).isEmpty();
    assertThat(json.get("finalVms")).hasSize(5);
  }
}
