package dev.runner.core;

import dev.runner.api.Limits;
import java.text.ParseException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Durations in the Kubernetes/Go form ({@code 500ms}, {@code 2s}, {@code 1m30s}). Parsing is
 * fabric8's {@link io.fabric8.kubernetes.api.model.Duration}, behind the schema's pattern: on its
 * own that parser ignores a minus sign and misreads fractions, which the pattern rules out.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile(Limits.DURATION);

  private Durations() {}

  /** Parses {@code value}; the exception's message names {@code field} and says what is expected. */
  public static Duration parse(String field, String value) {
    if (value == null || !FORM.matcher(value).matches()) {
      throw new IllegalArgumentException(field + " \"" + value
          + "\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h");
    }
    Duration parsed;
    try {
      parsed = io.fabric8.kubernetes.api.model.Duration.parse(value).getDuration();
    } catch (ParseException e) {
      throw new IllegalArgumentException(field + " \"" + value + "\" is not a duration: " + e.getMessage(), e);
    } catch (NumberFormatException | ArithmeticException e) {
      throw tooLong(field, value, e);
    }
    // Go's limit too (about 290 years): longer values cannot be counted in nanoseconds, which the
    // backoff arithmetic does.
    try {
      parsed.toNanos();
    } catch (ArithmeticException e) {
      throw tooLong(field, value, e);
    }
    return parsed;
  }

  private static IllegalArgumentException tooLong(String field, String value, RuntimeException cause) {
    return new IllegalArgumentException(field + " \"" + value + "\" is too long: at most 2562047h", cause);
  }

  /** Prints like Go's time.Duration: 1h2m3s, 1m30s, 2s, 1.5s, 500ms, 0s. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (d.isNegative()) {
      out.append('-');
      d = d.negated();
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      long nanos = d.toNanos();
      if (nanos % 1_000_000 == 0) {
        return out.append(nanos / 1_000_000).append("ms").toString();
      }
      if (nanos % 1_000 == 0) {
        return out.append(nanos / 1_000).append("us").toString();
      }
      return out.append(nanos).append("ns").toString();
    }
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    if (hours > 0) {
      out.append(hours).append('h').append(minutes).append('m');
    } else if (minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(d.toSecondsPart());
    int millis = d.toMillisPart();
    if (millis > 0) {
      out.append('.').append(String.format("%03d", millis).replaceAll("0+$", ""));
    }
    return out.append('s').toString();
  }
}
