package dev.runner.core;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The events a user cares about, read off the difference between two statuses: one event per
 * transition, none when nothing changed, so a reconcile that finds nothing new records nothing.
 */
final class Transitions {
  private Transitions() {}

  /** @param kinds the kind of each service of the spec (a Deployment where it does not say) */
  static List<EventNote> between(String group, java.util.Map<String, dev.runner.api.WorkloadKind> kinds,
      RunnerGroupStatus before, RunnerGroupStatus after, boolean stopped) {
    List<EventNote> events = new ArrayList<>();
    // In start order, so that "db ready" comes before "api started" when one reconcile did both.
    java.util.LinkedHashSet<String> order = new java.util.LinkedHashSet<>();
    after.getStartOrder().forEach(order::addAll);
    order.retainAll(after.getServices().keySet());
    order.addAll(after.getServices().keySet());
    for (String name : order) {
      service(group, kinds.getOrDefault(name, dev.runner.api.WorkloadKind.Deployment), name, before.getServices().get(name),
          after.getServices().get(name), events);
    }
    before.getServices().keySet().stream()
        .filter(name -> !after.getServices().containsKey(name) && after.getPhase() != GroupPhase.Invalid)
        .forEach(name -> events.add(EventNote.normal("ServiceRemoved",
            "service " + name + " was removed from the spec; its workload is stopped")));
    group(before, after, stopped, events);
    return events;
  }

  private static void service(String group, dev.runner.api.WorkloadKind kind, String name, ServiceStatus was, ServiceStatus now,
      List<EventNote> events) {
    ServicePhase from = was == null ? null : was.getPhase();
    ServicePhase to = now.getPhase();
    if (to == ServicePhase.Stopped) {
      // Stopping starts (scale to zero issued) and ends (no Pods left, Deployment gone if deleting).
      boolean stoppedNow = now.getReason() == ServiceReason.Stopped;
      boolean stoppedBefore = from == ServicePhase.Stopped && was.getReason() == ServiceReason.Stopped;
      if (stoppedNow && !stoppedBefore) {
        events.add(EventNote.normal("ServiceStopped", "stopped service " + name));
      } else if (!stoppedNow && from != ServicePhase.Stopped) {
        events.add(EventNote.normal("ServiceStopping", "stopping service " + name));
      }
      return;
    }
    if (now.getReason() == ServiceReason.WriteRefused && (was == null || was.getReason() != ServiceReason.WriteRefused)) {
      events.add(EventNote.warning("WriteRefused", "service " + name + ": the API server refused a write of its workload: "
          + now.getError()));
    }
    if (from == to) {
      return;
    }
    String deployment = Names.deploymentName(group, name);
    switch (to) {
      case Starting -> events.add(from == ServicePhase.BackingOff || from == ServicePhase.Failed || from == ServicePhase.Completed
          ? EventNote.normal("ServiceRestarted", "restarted service " + name + " (restart " + now.getRestarts() + ")")
          : EventNote.normal("ServiceStarted", "started service " + name + " (" + kind + " " + deployment + ")"));
      case Ready -> events.add(EventNote.normal("ServiceReady", "service " + name + " is ready"));
      case Unhealthy -> events.add(EventNote.warning("ServiceUnhealthy", "service " + name + " is unhealthy: " + now.getError()));
      case BackingOff -> {
        if (now.getReason() == ServiceReason.RestartStopping && now.getRestarts() == 0) {
          events.add(EventNote.normal("ServiceRestarting", "restarting service " + name + " on request"));
          return;
        }
        events.add(EventNote.warning("ServiceFailed", "service " + name + ": " + exit(now)));
        events.add(EventNote.normal("RestartScheduled", "service " + name + ": restart " + now.getRestarts()
            + " scheduled at " + now.getNextRestartAt()));
      }
      case Failed -> events.add(EventNote.warning(now.getReason() == ServiceReason.RestartLimitReached ? "RestartLimitReached" : "ServiceFailed",
          "service " + name + ": " + now.getError()));
      case Completed -> events.add(EventNote.normal("ServiceCompleted", "service " + name + " completed (exit code 0); it is not restarted"));
      case Waiting -> {
        if (from == ServicePhase.Failed || from == ServicePhase.Completed || from == ServicePhase.BackingOff) {
          events.add(EventNote.normal("ServiceRestarting", "restarting service " + name + " once its dependencies are met: "
              + String.join(", ", now.getWaitingFor())));
        }
      }
      default -> { }
    }
  }

  /** The exit that sent the service into backoff, in the words its error begins with. */
  private static String exit(ServiceStatus status) {
    return status.getLastExit() == null ? status.getError() : Termination.describe(status.getLastExit(), false);
  }

  private static void group(RunnerGroupStatus before, RunnerGroupStatus after, boolean stopped, List<EventNote> events) {
    if (stopped) {
      events.add(EventNote.normal("GroupStopped", "all services stopped in reverse dependency order"));
      return;
    }
    GroupPhase from = before.getPhase();
    GroupPhase to = after.getPhase();
    if (to == GroupPhase.Invalid && (from != to || !Objects.equals(before.getMessage(), after.getMessage()))) {
      events.add(EventNote.warning("InvalidSpec", after.getMessage()));
      return;
    }
    if (from == to) {
      return;
    }
    switch (to) {
      case Ready -> events.add(EventNote.normal("GroupReady", "all " + after.getServices().size() + " services are healthy"));
      case Degraded -> events.add(EventNote.warning("GroupDegraded", after.getMessage()));
      case Failed -> events.add(EventNote.warning("GroupFailed", after.getMessage()));
      case Stopping -> events.add(EventNote.normal("GroupStopping", "stopping services in reverse dependency order"));
      case Suspended -> events.add(EventNote.normal("GroupSuspended", "all services stopped"));
      default -> { }
    }
  }
}
