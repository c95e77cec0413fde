package dev.runner.core;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** The group's aggregate health: healthy, phase, ready x/y, message, conditions. */
final class GroupSummary {
  static final String READY = "Ready";
  static final String PROGRESSING = "Progressing";
  static final String DEGRADED = "Degraded";
  /** kstatus: True while the operator is bringing the group to its spec. */
  static final String RECONCILING = "Reconciling";
  /** kstatus: True when the group cannot go on without a change to it (Failed, Invalid). */
  static final String STALLED = "Stalled";

  private GroupSummary() {}

  static void running(RunnerGroupStatus status, GroupPlan plan) {
    Collection<ServiceStatus> services = status.getServices().values();
    long healthy = services.stream().filter(ServiceStatus::isHealthy).count();
    status.setHealthy(healthy == services.size());
    status.setReady(healthy + "/" + services.size());
    status.setMessage(unhealthyMessage(status.getServices()));
    status.setPhase(phase(services));
  }

  /** Deletion or suspend; {@code remaining} are the services not yet stopped. */
  static void teardown(RunnerGroupStatus status, boolean deleting, Set<String> remaining) {
    status.setHealthy(false);
    status.setReady("0/" + status.getServices().size());
    if (remaining.isEmpty()) {
      status.setPhase(deleting ? GroupPhase.Stopping : GroupPhase.Suspended);
      status.setMessage(deleting ? "all services stopped" : "suspended: all services stopped");
    } else {
      status.setPhase(GroupPhase.Stopping);
      status.setMessage("stopping in reverse dependency order; still running: " + String.join(", ", remaining));
    }
  }

  static void invalid(RunnerGroupStatus status, List<String> errors) {
    status.setPhase(GroupPhase.Invalid);
    status.setHealthy(false);
    long healthy = status.getServices().values().stream().filter(ServiceStatus::isHealthy).count();
    status.setReady(healthy + "/" + status.getServices().size());
    status.setMessage("invalid spec, nothing running was changed: " + String.join("; ", errors));
  }

  private static GroupPhase phase(Collection<ServiceStatus> services) {
    if (services.stream().anyMatch(s -> s.getPhase() == ServicePhase.Failed)) {
      return GroupPhase.Failed;
    }
    if (services.stream().anyMatch(s -> s.getPhase() == ServicePhase.BackingOff || s.getPhase() == ServicePhase.Unhealthy)) {
      return GroupPhase.Degraded;
    }
    if (services.stream().allMatch(ServiceStatus::isHealthy)) {
      return GroupPhase.Ready;
    }
    if (services.stream().allMatch(s -> s.getPhase() == ServicePhase.Waiting || s.getPhase() == ServicePhase.Delaying)) {
      return GroupPhase.Pending;
    }
    return GroupPhase.Progressing;
  }

  /** The Go runner's HealthStatus message: "unhealthy services: a: why, b: why", by name. */
  static String unhealthyMessage(Map<String, ServiceStatus> services) {
    List<String> parts = new ArrayList<>();
    services.forEach((name, s) -> {
      if (!s.isHealthy()) {
        parts.add(name + ": " + s.getError());
      }
    });
    return parts.isEmpty() ? "" : "unhealthy services: " + String.join(", ", parts);
  }

  /**
   * Ready, Progressing, Degraded, and kstatus's Reconciling and Stalled (the conditions Flux, kpt
   * and Helm read); each carries the generation it was computed for, and keeps its transition time
   * while its status stays. Reconciling is True while the operator works towards the spec (Pending,
   * Progressing, Degraded: a service is being restarted, Stopping); Stalled is True when only a
   * change to the group can help (Failed, Invalid). Ready and Suspended are neither.
   */
  static void conditions(RunnerGroupStatus status, RunnerGroupStatus previous, long generation, Instant now) {
    GroupPhase phase = status.getPhase();
    String reason = phase.name();
    String message = status.getMessage().isEmpty() ? "all services are healthy" : status.getMessage();
    boolean progressing = phase == GroupPhase.Pending || phase == GroupPhase.Progressing || phase == GroupPhase.Stopping;
    boolean degraded = phase == GroupPhase.Degraded || phase == GroupPhase.Failed;
    boolean reconciling = progressing || phase == GroupPhase.Degraded;
    boolean stalled = phase == GroupPhase.Failed || phase == GroupPhase.Invalid;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(previous, READY, status.isHealthy(), reason, message, generation, now));
    conditions.add(condition(previous, PROGRESSING, progressing, reason, message, generation, now));
    conditions.add(condition(previous, DEGRADED, degraded, reason, message, generation, now));
    conditions.add(condition(previous, RECONCILING, reconciling, reason, message, generation, now));
    conditions.add(condition(previous, STALLED, stalled, reason, message, generation, now));
    status.setConditions(conditions);
  }

  /** One condition; it keeps its previous transition time while its status stays. */
  static Condition condition(RunnerGroupStatus previous, String type, boolean value, String reason, String message,
      long generation, Instant now) {
    String text = value ? "True" : "False";
    String since = previous.getConditions().stream()
        .filter(c -> type.equals(c.getType()) && Objects.equals(text, c.getStatus()))
        .map(Condition::getLastTransitionTime)
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(Times.format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(text)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
