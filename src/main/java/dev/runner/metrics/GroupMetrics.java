package dev.runner.metrics;

import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Decision;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Metrics of the groups this operator reconciles, taken from the reconciler's decisions (the status
 * each reconcile computes):
 *
 * <ul>
 *   <li>{@code runner_services{phase}}: services in each phase, over all groups (every phase is
 *       always present, 0 when none);
 *   <li>{@code runner_groups{health="healthy"|"unhealthy"}}: groups by aggregate health;
 *   <li>{@code runner_group_healthy{namespace,group}}: 1 when the group is healthy, else 0;
 *   <li>{@code runner_service_restarts_total{namespace,group}}: restarts the operator has made of
 *       the group's services since this process first saw the group (increments of each service's
 *       {@code status.services.*.restarts} between decisions; a decrease, as after
 *       {@code resetAfter}, is a new baseline, not a restart).
 * </ul>
 *
 * A group's own series go away when its deletion has finished. Decisions for one group never run
 * concurrently (JOSDK serializes reconciles per resource); different groups may.
 */
public final class GroupMetrics implements BiConsumer<ResourceID, Decision> {
  public static final String SERVICES = "runner.services";
  public static final String GROUPS = "runner.groups";
  public static final String GROUP_HEALTHY = "runner.group.healthy";
  public static final String RESTARTS = "runner.service.restarts";

  private final MeterRegistry registry;
  private final Map<ResourceID, Group> groups = new ConcurrentHashMap<>();

  /** What was last seen of one group, and its own meters. */
  private static final class Group {
    final Counter restarts;
    final Gauge healthyGauge;
    volatile boolean healthy;
    volatile Map<String, ServicePhase> phases = Map.of();
    Map<String, Integer> lastRestarts;

    Group(Counter restarts, Gauge healthyGauge) {
      this.restarts = restarts;
      this.healthyGauge = healthyGauge;
    }
  }

  public GroupMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (ServicePhase phase : ServicePhase.values()) {
      Gauge.builder(SERVICES, this, m -> m.servicesIn(phase))
          .description("Services of the reconciled RunnerGroups, by phase")
          .tag("phase", phase.name())
          .register(registry);
    }
    Gauge.builder(GROUPS, this, m -> m.groups(true)).description("RunnerGroups by aggregate health")
        .tag("health", "healthy").register(registry);
    Gauge.builder(GROUPS, this, m -> m.groups(false)).description("RunnerGroups by aggregate health")
        .tag("health", "unhealthy").register(registry);
  }

  @Override
  public void accept(ResourceID id, Decision decision) {
    if (decision.stopped()) {
      forget(id);
      return;
    }
    RunnerGroupStatus status = decision.status();
    if (status == null) {
      return;
    }
    Group group = groups.computeIfAbsent(id, this::register);
    Map<String, ServiceStatus> services = status.getServices();
    Map<String, ServicePhase> phases = new HashMap<>();
    Map<String, Integer> restarts = new HashMap<>();
    services.forEach((name, service) -> {
      if (service.getPhase() != null) {
        phases.put(name, service.getPhase());
      }
      restarts.put(name, service.getRestarts());
    });
    synchronized (group) {
      if (group.lastRestarts != null) {
        long added = 0;
        for (Map.Entry<String, Integer> e : restarts.entrySet()) {
          Integer before = group.lastRestarts.get(e.getKey());
          // A service seen for the first time starts its count here; a drop is a reset.
          if (before != null && e.getValue() > before) {
            added += e.getValue() - before;
          }
        }
        if (added > 0) {
          group.restarts.increment(added);
        }
      }
      group.lastRestarts = Map.copyOf(restarts);
      group.phases = Map.copyOf(phases);
      group.healthy = status.isHealthy();
    }
  }

  private Group register(ResourceID id) {
    Tags tags = Tags.of("namespace", id.getNamespace().orElse(""), "group", id.getName());
    Counter restarts = Counter.builder(RESTARTS).description("Restarts of a RunnerGroup's services made by the operator")
        .tags(tags).register(registry);
    Group[] holder = new Group[1];
    // Held strongly: Micrometer keeps a gauge's object by a weak reference, and nothing else holds
    // this array, so after a garbage collection the gauge read NaN (RunCommandTest saw it in CI).
    // The gauge goes with the group (forget).
    Gauge healthy = Gauge.builder(GROUP_HEALTHY, holder, h -> h[0] != null && h[0].healthy ? 1 : 0)
        .description("1 when every service of the RunnerGroup is healthy, else 0").tags(tags).strongReference(true)
        .register(registry);
    holder[0] = new Group(restarts, healthy);
    return holder[0];
  }

  private void forget(ResourceID id) {
    Group group = groups.remove(id);
    if (group != null) {
      registry.remove(group.restarts);
      registry.remove(group.healthyGauge);
    }
  }

  private double servicesIn(ServicePhase phase) {
    long n = 0;
    for (Group group : groups.values()) {
      n += group.phases.values().stream().filter(phase::equals).count();
    }
    return n;
  }

  private double groups(boolean healthy) {
    return groups.values().stream().filter(g -> g.healthy == healthy).count();
  }
}
