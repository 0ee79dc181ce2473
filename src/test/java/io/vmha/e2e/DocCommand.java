package io.vmha.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A shell command as a document shows it to a user: a line (with its continuations) of a {@code
 * ```sh} block. A trailing {@code # yes} or {@code # no} is the answer the document promises (as
 * {@code kubectl auth can-i} prints it); commands joined by {@code &&} are separate steps.
 */
record DocCommand(String document, int line, String text, String promisedAnswer) {
  private static final Pattern ANSWER = Pattern.compile("#\\s*(yes|no)\\s*$");

  /** Every command of the {@code ```sh} and {@code ```bash} blocks of {@code markdown}. */
  static List<DocCommand> in(Path markdown, String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DocCommand> commands = new ArrayList<>();
    boolean inShell = false;
    StringBuilder pending = new StringBuilder();
    int start = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("```")) {
        inShell = !inShell && (line.equals("```sh") || line.equals("```bash"));
        continue;
      }
      if (!inShell || (pending.isEmpty() && (line.isBlank() || line.strip().startsWith("#")))) {
        continue;
      }
      if (pending.isEmpty()) {
        start = i + 1;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      for (String step : pending.toString().split(" && ")) {
        commands.add(of(name, start, step.strip()));
      }
      pending.setLength(0);
    }
    return commands;
  }

  private static DocCommand of(String document, int line, String text) {
    var answer = ANSWER.matcher(text);
    return new DocCommand(document, line, text, answer.find() ? answer.group(1) : null);
  }

  @Override
  public String toString() {
    return document + ":" + line + ": " + text;
  }
}
