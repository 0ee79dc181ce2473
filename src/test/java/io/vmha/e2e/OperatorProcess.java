package io.vmha.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A real {@code vmha operator} replica with leader election, as its Deployment runs it. */
final class OperatorProcess {
  private OperatorProcess() {}

  /** Starts replica {@code identity} against {@code api}, logging to {@code dir}. */
  static Process start(RealApiServer api, String namespace, String identity, Path dir)
      throws IOException {
    return start(api.kubeconfig(), namespace, identity, dir);
  }

  /** The same, reaching its API server as {@code kubeconfig} says (e.g. through a fault proxy). */
  static Process start(Path kubeconfig, String namespace, String identity, Path dir)
      throws IOException {
    List<String> command = io.vmha.cli.VmhaCommand.inNewJvm("-Xmx256m", "-XX:TieredStopAtLevel=1");
    command.addAll(
        List.of(
            "operator",
            "--leader-election=true",
            "--lease-namespace=" + namespace,
            "--identity=" + identity,
            "--http-port=0"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("operator-" + identity + ".log").toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return builder.start();
  }

  /** Sends {@code signal} (STOP, CONT) to the process. */
  static void signal(Process process, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }
}
