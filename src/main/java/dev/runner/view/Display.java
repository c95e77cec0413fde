package dev.runner.view;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceSpec;
import dev.runner.core.GroupPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code demo} and {@code status --watch} show a group: a table redrawn in place on a terminal,
 * or plain timestamped lines. Every call comes from one thread; {@code at} is the time since the
 * start (the demo: since the group was applied), shown as the display's stamp makes it.
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
  public record Group(String namespace, String name, List<String> services, Map<String, Integer> replicas) {
    /** From the group's spec: its services in start order (as declared when it is invalid) and their replicas. */
    public static Group of(RunnerGroup group) {
      String name = group.getMetadata().getName();
      List<String> declared = group.getSpec() == null || group.getSpec().getServices() == null ? List.of()
          : group.getSpec().getServices().stream().map(ServiceSpec::getName).toList();
      GroupPlan plan = GroupPlan.of(name, group.getSpec());
      Map<String, Integer> replicas = new LinkedHashMap<>();
      for (String service : declared) {
        GroupPlan.ServicePlan p = plan.services().get(service);
        replicas.put(service, p == null ? 1 : p.replicas());
      }
      return new Group(group.getMetadata().getNamespace(), name,
          plan.valid() ? plan.graph().startWaves().stream().flatMap(List::stream).toList() : declared, replicas);
    }
  }
}
