package io.vmha.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Kubernetes users write them: one number and one unit, {@code 500ms}, {@code 15s},
 * {@code 10m}, {@code 1h}. The command line's options and the CRDs' duration fields both take them.
 */
public final class ShortDuration {
  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)");

  private ShortDuration() {}

  /** The duration {@code text} says, or null when it is not of this form. */
  public static Duration parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }
}
