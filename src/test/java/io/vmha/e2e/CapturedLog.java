package io.vmha.e2e;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The log lines this JVM prints while open, still printed as before. slf4j-simple looks {@code
 * System.err} up for every line, so the in-process agents' and operator's lines pass through here;
 * its println writes a line in one call, so lines of concurrent loggers do not interleave.
 */
final class CapturedLog implements AutoCloseable {
  private final PrintStream original = System.err;
  private final List<String> lines = new ArrayList<>();

  CapturedLog() {
    System.setErr(new PrintStream(new Tee(), true, StandardCharsets.UTF_8));
  }

  /** The lines of loggers under {@code loggerPrefix} that contain every one of {@code words}. */
  long count(String loggerPrefix, String... words) {
    synchronized (lines) {
      return lines.stream()
          .filter(line -> line.contains(" " + loggerPrefix))
          .filter(line -> List.of(words).stream().allMatch(line::contains))
          .count();
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }

  private final class Tee extends OutputStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      original.write(b);
      collect((byte) b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      original.write(b, off, len);
      for (int i = off; i < off + len; i++) {
        collect(b[i]);
      }
    }

    private void collect(byte b) {
      if (b != '\n') {
        line.write(b);
        return;
      }
      synchronized (lines) {
        lines.add(line.toString(StandardCharsets.UTF_8));
      }
      line.reset();
    }

    @Override
    public void flush() {
      original.flush();
    }
  }
}
