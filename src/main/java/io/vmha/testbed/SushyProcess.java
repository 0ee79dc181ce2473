package io.vmha.testbed;

import io.vmha.power.PowerController;
import io.vmha.power.PowerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The sushy-emulator process of one run: started, awaited until it answers, killed. */
final class SushyProcess {
  private final Path executable;
  private final Path config;
  private final Path log;
  private Process process;

  SushyProcess(Path venv, Path config, Path log) {
    this.executable = venv.resolve("bin/sushy-emulator");
    this.config = config;
    this.log = log;
  }

  /** Starts the emulator and returns once {@code probe} reads a power state through it. */
  synchronized void start(PowerController probe, Duration timeout) throws IOException {
    process =
        new ProcessBuilder(executable.toString(), "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Instant deadline = Instant.now().plus(timeout);
    PowerException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException(
            "sushy-emulator exited with " + process.exitValue() + ":\n" + tail(log()));
      }
      try {
        probe.powerState();
        return;
      } catch (PowerException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while sushy-emulator started", e);
      }
    }
    throw new IOException(
        "sushy-emulator did not answer within "
            + timeout.toSeconds()
            + " s ("
            + (last != null ? last.getMessage() : "")
            + "):\n"
            + tail(log()));
  }

  boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Kills it at once (SIGKILL): no request gets another answer. */
  synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** What it printed (a line per request). */
  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
