package dev.runner.core;

import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One service of a valid, running group, one reconcile: the supervisor's loop body. Given the
 * service's plan, what was observed of it, its previous status and the new status of the services
 * it depends on, it decides its new status and the changes to its Deployment.
 */
final class ServiceRun {
  private static final Set<ServicePhase> RUNNING = Set.of(ServicePhase.Starting, ServicePhase.Ready, ServicePhase.Unhealthy);
  private static final Set<ServicePhase> NOT_STARTED = Set.of(ServicePhase.Waiting, ServicePhase.Delaying, ServicePhase.Stopped);

  /** The outcome for one service. */
  record Step(ServiceStatus status, List<Action> actions, Optional<Instant> wakeAt) {}

  private final GroupPlan.ServicePlan plan;
  private final Deployment deployment;
  private final List<Pod> pods;
  private final ServiceStatus previous;
  private final Instant now;
  private final Backoff backoff;
  private final boolean resetRequested;
  private final ServiceStatus status;
  private final List<Action> actions = new ArrayList<>();
  private Instant wakeAt;
  private List<String> groups = List.of();

  ServiceRun(GroupPlan.ServicePlan plan, Deployment deployment, List<Pod> pods, ServiceStatus previous, Instant now,
      Backoff backoff, boolean resetRequested) {
    this.plan = plan;
    this.deployment = deployment;
    this.pods = pods;
    this.previous = previous;
    this.now = now;
    this.backoff = backoff;
    this.resetRequested = resetRequested;
    this.status = ServiceStatuses.copy(previous);
  }

  /** A service whose Deployment name is held by an object this group does not own. */
  static Step collision(String deploymentName, ServiceStatus previous) {
    ServiceStatus status = ServiceStatuses.copy(previous);
    status.setPhase(ServicePhase.Failed);
    status.setHealthy(false);
    status.setRunning(false);
    status.setWaitingFor(List.of());
    status.setReadyReplicas(null);
    status.setError("Deployment " + deploymentName + " already exists and is not owned by this group: "
        + "rename the service or remove that Deployment");
    return new Step(status, List.of(), Optional.empty());
  }

  /** @param groups what a start also waits for: the groups of spec.dependsOn not Ready ("group ns/name") */
  ServiceRun gatedOn(List<String> groups) {
    this.groups = List.copyOf(groups);
    return this;
  }

  /** @param statuses the new status of every service handled before this one (its dependencies among them) */
  Step decide(Map<String, ServiceStatus> statuses) {
    status.setWaitingFor(List.of());
    ServicePhase phase = previous == null ? null : previous.getPhase();
    int wanted = deployment == null || deployment.getSpec() == null || deployment.getSpec().getReplicas() == null
        ? 0 : deployment.getSpec().getReplicas();
    boolean templateChanged = deployment != null && !TemplateHash.of(plan).equals(annotation(deployment, Names.SPEC_HASH));

    if (deployment == null || (wanted == 0 && (phase == null || NOT_STARTED.contains(phase)))) {
      startWhenReady(statuses);
    } else if (phase == ServicePhase.BackingOff && (resetRequested || templateChanged)) {
      restartNow(templateChanged);
    } else if (phase == ServicePhase.BackingOff) {
      backingOff();
    } else if ((phase == ServicePhase.Failed || phase == ServicePhase.Completed) && (resetRequested || templateChanged)) {
      restartNow(templateChanged);
    } else if (phase == ServicePhase.Failed || phase == ServicePhase.Completed) {
      stayStopped(phase);
    } else {
      supervise(templateChanged);
    }
    status.setRunning(DeploymentHealth.running(pods));
    status.setReadyReplicas(deployment == null ? null : DeploymentHealth.readyReplicas(deployment));
    return new Step(status, actions, Optional.ofNullable(wakeAt));
  }

  private void startWhenReady(Map<String, ServiceStatus> statuses) {
    List<String> unmet = plan.dependsOn().stream()
        .filter(dep -> statuses.get(dep) == null || !statuses.get(dep).isHealthy())
        .sorted()
        .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    unmet.addAll(groups);
    status.setHealthy(false);
    status.setStartedAt(null);
    status.setHealthySince(null);
    status.setNextRestartAt(null);
    if (!unmet.isEmpty()) {
      status.setPhase(ServicePhase.Waiting);
      status.setWaitingFor(unmet);
      status.setDependenciesMetAt(null);
      status.setError("waiting for dependencies: " + String.join(", ", unmet));
      return;
    }
    Instant metAt = Optional.ofNullable(Times.parse(status.getDependenciesMetAt())).orElse(now);
    status.setDependenciesMetAt(Times.format(metAt));
    Instant startAt = metAt.plus(plan.startDelay());
    if (now.isBefore(startAt)) {
      status.setPhase(ServicePhase.Delaying);
      status.setError("start delay " + Durations.format(plan.startDelay()) + ": starting at " + Times.format(startAt));
      wakeAt = startAt;
      return;
    }
    if (deployment == null) {
      actions.add(new Action.Create(plan.name(), plan.replicas()));
    } else {
      actions.add(new Action.Update(plan.name(), plan.replicas()));
    }
    String since = previous != null && previous.getPhase() == ServicePhase.Starting && deployment == null
        ? previous.getStartedAt() : null;
    started();
    if (since != null) {
      // The create of the same start is tried again (it failed): the status stays as it was, so a
      // create the API server keeps refusing writes no status, wakes no reconcile, and JOSDK's
      // retry backoff holds.
      status.setStartedAt(since);
    }
  }

  private void started() {
    status.setPhase(ServicePhase.Starting);
    status.setHealthy(false);
    status.setStartedAt(Times.format(now));
    status.setHealthySince(null);
    status.setNextRestartAt(null);
    status.setError("starting: 0/" + plan.replicas() + " replicas available");
  }

  /** A reset request or a new template: forget the count, start again now. */
  private void restartNow(boolean templateChanged) {
    status.setRestarts(0);
    actions.add(templateChanged ? new Action.Update(plan.name(), plan.replicas()) : new Action.Scale(plan.name(), plan.replicas()));
    started();
  }

  private void backingOff() {
    ensureReplicas(0);
    Instant due = Times.parse(status.getNextRestartAt());
    status.setHealthy(false);
    if (due != null && now.isBefore(due)) {
      wakeAt = due;
      status.setPhase(ServicePhase.BackingOff);
      return;
    }
    if (pods.isEmpty()) {
      actions.removeIf(a -> a instanceof Action.Scale);
      actions.add(new Action.Scale(plan.name(), plan.replicas()));
      started();
      return;
    }
    // Stop, then start: the old Pods must be gone first. Their deletion wakes us.
    status.setPhase(ServicePhase.BackingOff);
    status.setError("restarting: waiting for " + pods.size() + " pod(s) to terminate");
  }

  private void stayStopped(ServicePhase phase) {
    ensureReplicas(0);
    status.setPhase(phase);
    status.setHealthy(phase == ServicePhase.Completed);
  }

  private void supervise(boolean templateChanged) {
    Optional<Termination> failure = FailureDetector.detect(deployment, pods, status.getLastExit(), Times.parse(status.getStartedAt()));
    if (failure.isPresent()) {
      stopped(failure.get());
      return;
    }
    if (status.getStartedAt() == null) {
      // Running without a recorded start (a status that was lost): count from now.
      status.setStartedAt(Times.format(now));
    }
    if (templateChanged) {
      actions.add(new Action.Update(plan.name(), plan.replicas()));
      status.setPhase(ServicePhase.Starting);
      status.setHealthy(false);
      status.setHealthySince(null);
      status.setError("rolling out a new template");
      return;
    }
    ensureReplicas(plan.replicas());
    ServicePhase previousPhase = status.getPhase();
    if (actions.isEmpty() && DeploymentHealth.healthy(deployment, plan.replicas())) {
      status.setPhase(ServicePhase.Ready);
      status.setHealthy(true);
      status.setError("");
      Instant since = Optional.ofNullable(Times.parse(status.getHealthySince())).orElse(now);
      status.setHealthySince(Times.format(since));
      if (status.getRestarts() > 0) {
        Instant resetAt = since.plus(plan.restart().resetAfter());
        if (now.isBefore(resetAt)) {
          wakeAt = resetAt;
        } else {
          status.setRestarts(0);
        }
      }
      return;
    }
    status.setHealthy(false);
    status.setHealthySince(null);
    status.setPhase(previousPhase == ServicePhase.Ready || previousPhase == ServicePhase.Unhealthy
        ? ServicePhase.Unhealthy : ServicePhase.Starting);
    status.setError(DeploymentHealth.explain(deployment, pods, plan.replicas(), status.getPhase() == ServicePhase.Starting));
  }

  private void stopped(Termination termination) {
    status.setLastExit(termination.toRecord());
    status.setHealthy(false);
    status.setHealthySince(null);
    RestartDecision decision = RestartDecision.decide(plan.restart(), termination.outcome(), status.getRestarts(),
        termination.exitCode(), backoff);
    ensureReplicas(0);
    if (decision instanceof RestartDecision.Restart restart) {
      // Whole milliseconds, as the status keeps times: a jittered delay reads "437ms", not "437123456ns".
      Duration delay = restart.delay().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      Instant due = now.plus(delay);
      status.setRestarts(status.getRestarts() + 1);
      status.setNextRestartAt(Times.format(due));
      status.setPhase(ServicePhase.BackingOff);
      status.setError(termination.describe() + "; restarting in " + Durations.format(delay)
          + " (restart " + status.getRestarts() + (plan.restart().unlimited() ? "" : " of " + plan.restart().maxRetries()) + ")");
      wakeAt = due;
    } else if (decision instanceof RestartDecision.Complete) {
      status.setPhase(ServicePhase.Completed);
      status.setHealthy(true);
      status.setNextRestartAt(null);
      status.setError("");
    } else if (decision instanceof RestartDecision.Fail fail) {
      status.setPhase(ServicePhase.Failed);
      status.setNextRestartAt(null);
      status.setError(plan.restart().policy() == dev.runner.api.RestartPolicy.Never
          ? termination.describe() + "; not restarted (restart policy Never)"
          : fail.reason());
    }
  }

  private void ensureReplicas(int replicas) {
    Integer current = deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
    if (current == null || current != replicas) {
      actions.add(new Action.Scale(plan.name(), replicas));
    }
  }

  static String annotation(Deployment deployment, String key) {
    Map<String, String> annotations = deployment.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  static Duration until(Instant now, Instant then) {
    return then.isAfter(now) ? Duration.between(now, then) : Duration.ZERO;
  }
}
