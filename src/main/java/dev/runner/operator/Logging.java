package dev.runner.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logback, configured in code from --log-level and --log-format: one console appender on stdout. */
public final class Logging {
  /** How log lines look: plain text for people, or one JSON object per line for a log pipeline. */
  public enum Format { plain, json }

  public static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

  private Logging() {}

  /** @throws IllegalArgumentException for a level that is not one of {@link #LEVELS} */
  public static Level level(String name) {
    String lower = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(lower)) {
      throw new IllegalArgumentException("unknown log level '" + name + "' (expected one of trace, debug, info, warn, error)");
    }
    return Level.toLevel(lower);
  }

  public static void configure(Level level, Format format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: leave it alone
    }
    context.reset();
    Encoder<ILoggingEvent> encoder = format == Format.json ? json() : plain();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("STDOUT");
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(appender);
  }

  private static Encoder<ILoggingEvent> plain() {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setPattern(PATTERN);
    return encoder;
  }

  /** logback's JsonEncoder, with the formatted message instead of the template and its arguments. */
  private static Encoder<ILoggingEvent> json() {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    return encoder;
  }
}
