package dev.runner.view;

import dev.runner.api.RunnerGroupStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code demo} shows the group: a table redrawn in place on a terminal, or plain timestamped
 * lines. Every call comes from one thread; {@code at} is the time since the group was applied.
 */
public interface Display extends AutoCloseable {

  /** The group's latest status (null until the operator wrote one). */
  void status(RunnerGroupStatus status, Duration at);

  /** A core/v1 Event on the group. */
  void event(String type, String reason, String message, Duration at);

  /** A line of the demo's own (applied, healthy, deleting, ...). */
  void note(String message, Duration at);

  /** Time passes (a terminal redraws its clock). */
  void tick(Duration at);

  /** The last frame; after this, plain lines may follow. */
  @Override
  void close();

  /** {@code +1.234s} */
  static String time(Duration at) {
    return String.format(Locale.ROOT, "+%d.%03ds", at.toSeconds(), at.toMillisPart());
  }

  /** The services in start order (as the status says it), then any the status does not order. */
  static List<String> order(RunnerGroupStatus status, List<String> declared) {
    LinkedHashSet<String> order = new LinkedHashSet<>();
    if (status != null) {
      status.getStartOrder().forEach(order::addAll);
    }
    order.addAll(declared);
    if (status != null) {
      order.addAll(status.getServices().keySet());
    }
    return new ArrayList<>(order);
  }

  /** What the group looks like, for the terminal's table and the ready column. */
  public record Group(String namespace, String name, List<String> services, Map<String, Integer> replicas) {}
}
