package io.vmha.cli;

import io.vmha.api.ShortDuration;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations the way Kubernetes users write them: 500ms, 15s, 10m, 1h, or ISO-8601 PT15S. */
public final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String text = value.trim();
    Duration shortForm = ShortDuration.parse(text);
    if (shortForm != null) {
      return shortForm;
    }
    try {
      return Duration.parse(text);
    } catch (RuntimeException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration: use e.g. 500ms, 15s, 10m, 1h or PT15S");
    }
  }
}
