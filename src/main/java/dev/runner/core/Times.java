package dev.runner.core;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Timestamps in status, RFC 3339 in UTC with millisecond precision at most. */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  public static Instant parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
