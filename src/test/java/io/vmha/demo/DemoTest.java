package io.vmha.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.cli.VmhaCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newcomer's first command plays every seed scenario and keeps every invariant. */
class DemoTest {

  @Test
  void theDemoPassesEveryScenarioAndWritesItsReport(@TempDir Path dir) throws Exception {
    playAndCheck(dir, "embedded");
  }

  static void playAndCheck(Path dir, String api) throws Exception {
    Path report = dir.resolve("report.json");
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try (PrintStream out = new PrintStream(captured, true)) {
      System.setOut(out);
      exit = VmhaCommand.commandLine().execute("demo", "--api", api, "--report", report.toString());
    } finally {
      System.setOut(original);
    }
    String output = captured.toString();
    original.println(output);
    assertThat(exit).as("exit code").isZero();
    assertThat(output)
        .contains("invariants I1-I5: held throughout")
        .contains("scenarios: 9 of 9 passed");
    assertThat(output)
        .contains("FailedOver")
        .contains("WaitingForHost")
        .contains("GuestAgentAlive")
        .contains("MigrationStarted")
        .contains("SpmAssigned")
        .contains("FencingRequested")
        .contains("FailoverFrozen");

    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.get("scenarios")).hasSize(9);
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
