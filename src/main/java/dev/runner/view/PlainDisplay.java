package dev.runner.view;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * For logs and pipes: one timestamped line per event, per service phase change and per group phase
 * change, never redrawn. {@code +1.234s api Starting}, {@code +1.240s event ServiceStarted: ...}.
 */
public final class PlainDisplay implements Display {
  private final PrintWriter out;
  private final Display.Group group;
  private final Function<Duration, String> stamp;
  private final Map<String, ServicePhase> phases = new HashMap<>();
  private GroupPhase groupPhase;

  /** With the demo's clock: the time since the group was applied, {@code +1.234s}. */
  public PlainDisplay(PrintWriter out, Display.Group group) {
    this(out, group, Display::time);
  }

  /** @param stamp how a time since the start is shown at the start of each line */
  public PlainDisplay(PrintWriter out, Display.Group group, Function<Duration, String> stamp) {
    this.out = out;
    this.group = group;
    this.stamp = stamp;
  }

  @Override
  public void status(RunnerGroupStatus status, Duration at) {
    if (status == null) {
      return;
    }
    // In start order: "database Ready" comes before "migrate Starting" when one write did both.
    for (String name : Display.order(status, group.services())) {
      ServiceStatus service = status.getServices().get(name);
      if (service == null || service.getPhase() == null || service.getPhase() == phases.get(name)) {
        continue;
      }
      phases.put(name, service.getPhase());
      String error = service.getError();
      line(at, name + " " + service.getPhase() + (error == null || error.isEmpty() ? "" : ": " + error));
    }
    if (status.getPhase() != null && status.getPhase() != groupPhase) {
      groupPhase = status.getPhase();
      boolean explain = groupPhase == GroupPhase.Failed || groupPhase == GroupPhase.Degraded
          || groupPhase == GroupPhase.Invalid;
      line(at, "group " + group.name() + " " + groupPhase + " (" + status.getReady() + " ready)"
          + (explain && !status.getMessage().isEmpty() ? ": " + status.getMessage() : ""));
    }
  }

  @Override
  public void event(String type, String reason, String message, Duration at) {
    line(at, "event " + reason + ": " + message);
  }

  @Override
  public void note(String message, Duration at) {
    line(at, message);
  }

  @Override
  public void tick(Duration at) {
  }

  @Override
  public void close() {
    out.flush();
  }

  private void line(Duration at, String text) {
    out.println(stamp.apply(at) + " " + text);
    out.flush();
  }
}
