package dev.runner.view;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * While {@code demo} draws, the libraries' (and the operator's own) INFO logs would drown the
 * display: their loggers go to WARN (logback, and java.util.logging for the mock server), and back
 * to what they were on {@link #close()}.
 */
public final class QuietLogs implements AutoCloseable {
  private static final List<String> LOGGERS = List.of(org.slf4j.Logger.ROOT_LOGGER_NAME,
      "io.javaoperatorsdk", "io.fabric8", "io.vertx", "io.netty", "dev.runner",
      // JOSDK's configuration service logs under this name, outside its package.
      "Default ConfigurationService implementation");
  /** Warnings that say nothing to a demo's user (a v1alpha1 API is what the demo is about). */
  private static final List<String> SILENCED = List.of("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

  private final List<Runnable> restore = new ArrayList<>();
  // java.util.logging keeps loggers weakly: hold them while their level matters.
  private final List<java.util.logging.Logger> julLoggers = new ArrayList<>();

  private QuietLogs() {}

  /** Libraries' logs at WARN and above only: for {@code demo}. */
  public static QuietLogs quiet() {
    return quiet(Level.WARN, java.util.logging.Level.WARNING);
  }

  /**
   * No logs at all: for {@code status}, whose stdout is a table or a picture (the logs go to stdout
   * too); what goes wrong reaches it as an exception.
   */
  public static QuietLogs silent() {
    return quiet(Level.OFF, java.util.logging.Level.OFF);
  }

  private static QuietLogs quiet(Level level, java.util.logging.Level julLevel) {
    QuietLogs quiet = new QuietLogs();
    for (String name : LOGGERS) {
      if (LoggerFactory.getLogger(name) instanceof Logger logback) {
        Level before = logback.getLevel();
        if (!logback.getEffectiveLevel().isGreaterOrEqual(level)) {
          logback.setLevel(level);
          quiet.restore.add(() -> logback.setLevel(before));
        }
      }
      java.util.logging.Logger jul = java.util.logging.Logger.getLogger(
          name.equals(org.slf4j.Logger.ROOT_LOGGER_NAME) ? "" : name);
      java.util.logging.Level julBefore = jul.getLevel();
      jul.setLevel(julLevel);
      quiet.julLoggers.add(jul);
      quiet.restore.add(() -> jul.setLevel(julBefore));
    }
    for (String name : SILENCED) {
      if (LoggerFactory.getLogger(name) instanceof Logger logback) {
        Level before = logback.getLevel();
        logback.setLevel(level.isGreaterOrEqual(Level.ERROR) ? level : Level.ERROR);
        quiet.restore.add(() -> logback.setLevel(before));
      }
    }
    return quiet;
  }

  @Override
  public void close() {
    restore.forEach(Runnable::run);
    restore.clear();
    julLoggers.clear();
  }
}
