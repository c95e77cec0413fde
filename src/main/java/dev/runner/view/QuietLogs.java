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
final class QuietLogs implements AutoCloseable {
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

  static QuietLogs quiet() {
    QuietLogs quiet = new QuietLogs();
    for (String name : LOGGERS) {
      if (LoggerFactory.getLogger(name) instanceof Logger logback) {
        Level before = logback.getLevel();
        if (!logback.getEffectiveLevel().isGreaterOrEqual(Level.WARN)) {
          logback.setLevel(Level.WARN);
          quiet.restore.add(() -> logback.setLevel(before));
        }
      }
      java.util.logging.Logger jul = java.util.logging.Logger.getLogger(
          name.equals(org.slf4j.Logger.ROOT_LOGGER_NAME) ? "" : name);
      java.util.logging.Level julBefore = jul.getLevel();
      jul.setLevel(java.util.logging.Level.WARNING);
      quiet.julLoggers.add(jul);
      quiet.restore.add(() -> jul.setLevel(julBefore));
    }
    for (String name : SILENCED) {
      if (LoggerFactory.getLogger(name) instanceof Logger logback) {
        Level before = logback.getLevel();
        logback.setLevel(Level.ERROR);
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
