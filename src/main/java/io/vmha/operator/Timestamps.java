package io.vmha.operator;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps as Kubernetes writes them (whole seconds, UTC). */
final class Timestamps {
  private Timestamps() {}

  static String format(Instant instant) {
    return instant == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /** With milliseconds: for the operator's own timings where seconds are too coarse. */
  static String formatPrecise(Instant instant) {
    return instant == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /** {@link #parse}, or null where the text is no timestamp. */
  static Instant parseOrNull(String text) {
    try {
      return parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  static Instant parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      return java.time.OffsetDateTime.parse(text).toInstant();
    }
  }
}
