package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On a two-CPU machine an asynchronous completion must run on a pool, not on a thread of its own:
 * the JDK HTTP client completes every timed-out request that way, and a storm of timeouts otherwise
 * starts threads until none can be started.
 */
class CommonPoolTest {

  /** Run in a JVM of its own that believes it has two CPUs; prints the completing thread's name. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("vmha")) {
      VmhaCommand.asyncCompletionsOnAPool();
    }
    System.out.println(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).get());
  }

  @Test
  void onTwoCpusTheVmhaProcessCompletesOnThePool() throws Exception {
    assertThat(threadNameIn("vmha")).startsWith("ForkJoinPool.commonPool-worker");
  }

  @Test
  void withoutItTheJvmStartsAThreadPerCompletion() throws Exception {
    assertThat(threadNameIn("plain")).doesNotStartWith("ForkJoinPool");
  }

  private static String threadNameIn(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-XX:ActiveProcessorCount=2",
                    "-cp",
                    System.getProperty("java.class.path"),
                    CommonPoolTest.class.getName(),
                    mode))
            .redirectErrorStream(true)
            .start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }
}
