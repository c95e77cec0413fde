package dev.runner.operator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One step of the shutdown with a deadline: it runs on a daemon thread of its own, and the stop
 * goes on without it once the deadline is over (the JVM's exit ends it). A step that overran logs
 * where every thread of the process was at that moment, so the cause is on record.
 */
final class BoundedStep {
  private static final Logger log = LoggerFactory.getLogger(BoundedStep.class);

  private BoundedStep() {}

  /** @return whether {@code step} ended (normally or by an exception, which is logged) within {@code deadline} */
  static boolean run(String what, Duration deadline, Runnable step) throws InterruptedException {
    Thread thread = new Thread(() -> {
      try {
        step.run();
      } catch (RuntimeException e) {
        log.warn("{}: {}", what, e.toString());
      }
    }, "stop: " + what);
    thread.setDaemon(true);
    thread.start();
    thread.join(TimeUnit.NANOSECONDS.toMillis(deadline.toNanos()));
    if (thread.isAlive()) {
      log.warn("{} did not end within {} ms; going on without it. Threads:\n{}", what, deadline.toMillis(), threadDump());
      return false;
    }
    return true;
  }

  /** Every live thread with its state and whole stack (ThreadInfo.toString cuts stacks at 8 frames). */
  static String threadDump() {
    StringBuilder dump = new StringBuilder();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      dump.append('"').append(t.getName()).append('"').append(t.isDaemon() ? " daemon" : "")
          .append(' ').append(t.getState()).append('\n');
      for (StackTraceElement frame : e.getValue()) {
        dump.append("\tat ").append(frame).append('\n');
      }
    }
    return dump.toString();
  }
}
