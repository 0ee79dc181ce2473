package io.vmha.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one command of the test bed's scripts to its end, its output kept for the error. */
final class Script {
  private Script() {}

  record Result(List<String> command, int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }

    void orFail() {
      if (!ok()) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited " + exitCode + ":\n" + output);
      }
    }
  }

  static Result run(List<String> command, Duration timeout) {
    return run(command, timeout, null);
  }

  /** Runs {@code command} in {@code directory} (null: this process's). */
  static Result run(List<String> command, Duration timeout, java.nio.file.Path directory) {
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(directory != null ? directory.toFile() : null)
              .redirectErrorStream(true)
              .start();
      // the script's output is short; read after the end would risk a full pipe, so read as it runs
      var output = new java.io.ByteArrayOutputStream();
      Thread reader =
          new Thread(
              () -> {
                try {
                  process.getInputStream().transferTo(output);
                } catch (IOException e) {
                  // the process ended
                }
              },
              "script-output");
      reader.setDaemon(true);
      reader.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(command, -1, "timed out after " + timeout);
      }
      reader.join(1000);
      return new Result(command, process.exitValue(), output.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(command, -1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(command, -1, "interrupted");
    }
  }
}
