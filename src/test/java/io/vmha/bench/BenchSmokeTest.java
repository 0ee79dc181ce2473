package io.vmha.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark at CI size on the embedded API server: correctness only (every VM of the crashed
 * host re-placed and Running again, none left on it, instance names unique), never timing.
 */
class BenchSmokeTest {

  @Test
  @Timeout(180)
  void fiftyHostsFiveHundredVmsOneHostCrashes(@TempDir Path dir) throws Exception {
    BenchOptions options =
        new BenchOptions(
            50,
            500,
            1,
            0,
            "embedded",
            Path.of(RealApiServer.DEFAULT_DIR),
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            Duration.ofSeconds(6),
            200,
            8,
            4,
            dir.resolve("bench.json"));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    BenchResult result;
    try (PrintStream out = new PrintStream(captured, true)) {
      result = new Bench(options, out).run();
    }
    System.out.println(captured);
    assertThat(result.violations).isEmpty();
    assertThat(result.vmsOnCrashedHosts).isPositive();
    assertThat(result.vmsReplaced).isEqualTo(result.vmsOnCrashedHosts);
    assertThat(result.vmsRunningAgain).isEqualTo(result.vmsOnCrashedHosts);
    assertThat(result.correct()).isTrue();
    assertThat(dir.resolve("bench.json")).exists();
  }
}
