package io.vmha.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command as a document shows it to a user. A trailing {@code # yes} or {@code # no} is the
 * answer the document promises (as {@code kubectl auth can-i} prints it); commands joined by {@code
 * &&} are separate steps.
 */
record DocCommand(
    String document,
    int line,
    Kind kind,
    String text,
    Map<String, String> environment,
    String promisedAnswer) {

  enum Kind {
    /** A line (with its continuations) of a {@code ```sh} or {@code ```bash} block. */
    SHELL,
    /**
     * A line of an unlabelled block that starts with a command word, with the indented lines that
     * continue it (a usage synopsis spans several).
     */
    LISTING,
    /** A code span in the text that starts with a command word. */
    PROSE,
    /** An {@code Exec…=} line of a systemd unit, run with the unit's {@code Environment=}. */
    UNIT
  }

  /**
   * What a reader takes for a command: a tool the docs use with an argument (alone, {@code vmha} or
   * {@code virsh} names the tool), or one of the project's scripts ({@code bench/results/} is a
   * path, not a command).
   */
  static final Pattern COMMAND_WORD =
      Pattern.compile(
          "^(sudo )?((kubectl|helm|java|vmha|mvn|\\./mvnw|curl|virsh|python3|systemctl|journalctl"
              + "|apt-get|docker|podman|git|modprobe)\\s+\\S|(bench|hack)/\\S+\\.(sh|py)(\\s|$))");

  private static final Pattern ANSWER = Pattern.compile("#\\s*(yes|no)\\s*$");
  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
  private static final Pattern UNIT_ENVIRONMENT =
      Pattern.compile("^(?:#\\s*)?Environment=([A-Za-z_][A-Za-z0-9_]*)=(\\S*)");
  private static final Pattern UNIT_EXEC = Pattern.compile("^Exec\\w*=(.+)$");

  /** Every command of {@code markdown}: its blocks first, then its text's code spans. */
  static List<DocCommand> in(Path markdown, String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DocCommand> blocks = new ArrayList<>();
    List<DocCommand> prose = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (!line.startsWith("```")) {
        int start = i;
        while (i < lines.size() && !lines.get(i).startsWith("```")) {
          i++;
        }
        prose.addAll(codeSpans(name, lines.subList(start, i), start + 1));
        continue;
      }
      String label = line.substring(3).strip();
      int start = ++i;
      while (i < lines.size() && !lines.get(i).startsWith("```")) {
        i++;
      }
      List<String> body = lines.subList(start, i);
      i++;
      switch (label) {
        case "sh", "bash" -> blocks.addAll(shell(name, body, start + 1));
        case "" -> blocks.addAll(listing(name, body, start + 1));
        case "ini" -> blocks.addAll(unit(name, body, start + 1));
        default -> {}
      }
    }
    blocks.addAll(prose);
    return blocks;
  }

  private static List<DocCommand> shell(String document, List<String> lines, int firstLine) {
    List<DocCommand> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    int start = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (pending.isEmpty() && (line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      if (pending.isEmpty()) {
        start = firstLine + i;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      addSteps(commands, document, start, Kind.SHELL, pending.toString());
      pending.setLength(0);
    }
    return commands;
  }

  private static List<DocCommand> listing(String document, List<String> lines, int firstLine) {
    List<DocCommand> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    int start = 0;
    for (int i = 0; i <= lines.size(); i++) {
      String line = i < lines.size() ? lines.get(i) : "";
      boolean continues =
          !pending.isEmpty()
              && !line.isBlank()
              && (Character.isWhitespace(line.charAt(0)) || pending.toString().endsWith("\\"));
      if (continues && !COMMAND_WORD.matcher(line.strip()).find()) {
        pending.setLength(pending.length() - (pending.toString().endsWith("\\") ? 1 : 0));
        pending.append(' ').append(line.strip());
        continue;
      }
      if (!pending.isEmpty()) {
        addSteps(commands, document, start, Kind.LISTING, pending.toString());
        pending.setLength(0);
      }
      if (COMMAND_WORD.matcher(line.strip()).find()) {
        start = firstLine + i;
        pending.append(line.strip());
      }
    }
    return commands;
  }

  private static List<DocCommand> unit(String document, List<String> lines, int firstLine) {
    Map<String, String> environment = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher variable = UNIT_ENVIRONMENT.matcher(line.strip());
      if (variable.find()) {
        environment.put(variable.group(1), variable.group(2));
      }
    }
    List<DocCommand> commands = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher exec = UNIT_EXEC.matcher(lines.get(i).strip());
      if (exec.find()) {
        commands.add(
            new DocCommand(
                document, firstLine + i, Kind.UNIT, exec.group(1).strip(), environment, null));
      }
    }
    return commands;
  }

  /** Code spans may wrap, so a paragraph's lines are read as one text. */
  private static List<DocCommand> codeSpans(String document, List<String> lines, int firstLine) {
    String text = String.join("\n", lines);
    List<DocCommand> commands = new ArrayList<>();
    Matcher span = CODE_SPAN.matcher(text);
    while (span.find()) {
      String code = span.group(1).replace('\n', ' ').strip();
      if (COMMAND_WORD.matcher(code).find()) {
        int line =
            firstLine
                + (int) text.substring(0, span.start()).chars().filter(c -> c == '\n').count();
        addSteps(commands, document, line, Kind.PROSE, code);
      }
    }
    return commands;
  }

  private static void addSteps(
      List<DocCommand> commands, String document, int line, Kind kind, String text) {
    for (String step : text.split(" && ")) {
      String command = step.strip();
      Matcher answer = ANSWER.matcher(command);
      commands.add(
          new DocCommand(
              document, line, kind, command, Map.of(), answer.find() ? answer.group(1) : null));
    }
  }

  @Override
  public String toString() {
    return document + ":" + line + ": " + text;
  }
}
