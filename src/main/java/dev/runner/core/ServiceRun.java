package dev.runner.core;

import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import dev.runner.api.WorkloadKind;
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
 * it depends on, it decides its new status and the changes to its workload, the same way for
 * every kind. Where a Job differs (it is stopped by deleting it, started by creating it anew, and
 * is done once its {@code Complete} condition is True), {@link #job} says so.
 */
final class ServiceRun {
  private static final Set<ServicePhase> RUNNING = Set.of(ServicePhase.Starting, ServicePhase.Ready, ServicePhase.Unhealthy);
  private static final Set<ServicePhase> NOT_STARTED = Set.of(ServicePhase.Waiting, ServicePhase.Delaying, ServicePhase.Stopped);

  /** Phases after which a create starts the service for the first time, its status holding nothing to lose. */
  private static final Set<ServicePhase> BEFORE_FIRST_START = Set.of(ServicePhase.Waiting, ServicePhase.Delaying, ServicePhase.Starting);

  /**
   * The outcome for one service.
   *
   * @param firstStart its one action is the create of a first start: if the status written with it
   *     is lost while the create lands, the next reconcile observes everything it held again
   *     (see {@link Decision.Order#TOGETHER})
   */
  record Step(ServiceStatus status, List<Action> actions, Optional<Instant> wakeAt, boolean firstStart) {}

  private final GroupPlan.ServicePlan plan;
  private final Workload workload;
  private final boolean job;
  private final List<Pod> pods;
  private final ServiceStatus previous;
  private final Instant now;
  private final Backoff backoff;
  private final boolean resetRequested;
  private final String serviceRestart;
  private final List<Pod> blocking;
  private final ServiceStatus status;
  private final List<Action> actions = new ArrayList<>();
  private Instant wakeAt;
  private boolean firstStart;
  private List<String> groups = List.of();

  /**
   * @param resetRequested a new value of the group's restart annotation: restart it if it Failed
   * @param serviceRestart the value of this service's own restart annotation, or null: a new value
   *     restarts it whatever its phase
   */
  ServiceRun(GroupPlan.ServicePlan plan, Workload workload, List<Pod> pods, ServiceStatus previous, Instant now,
      Backoff backoff, boolean resetRequested, String serviceRestart) {
    this.plan = plan;
    this.workload = workload;
    this.job = plan.spec().kind() == WorkloadKind.Job;
    this.pods = pods;
    this.previous = previous;
    this.now = now;
    this.backoff = backoff;
    this.resetRequested = resetRequested;
    this.serviceRestart = serviceRestart;
    this.blocking = Pods.blocking(pods, now);
    this.status = ServiceStatuses.copy(previous);
  }

  /** A service whose workload name is held by an object this group does not own. */
  static Step collision(WorkloadKind kind, String deploymentName, ServiceStatus previous) {
    ServiceStatus status = ServiceStatuses.copy(previous);
    status.setPhase(ServicePhase.Failed);
    status.setHealthy(false);
    status.setRunning(false);
    status.setWaitingFor(List.of());
    status.setReadyReplicas(null);
    status.setReason(ServiceReason.NameCollision);
    String held = kind == WorkloadKind.StatefulSet ? "StatefulSet or Service " : kind + " ";
    status.setError(held + deploymentName + " already exists and is not owned by this group: "
        + "rename the service or remove that " + (kind == WorkloadKind.StatefulSet ? "object" : kind.toString()));
    return new Step(status, List.of(), Optional.empty(), false);
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
    if (phase == ServicePhase.Failed && previous.getReason() == ServiceReason.NameCollision) {
      phase = null; // not a failure of the service: it starts once the name is free
    }
    int wanted = workload == null || workload.replicas() == null ? 0 : workload.replicas();
    boolean templateChanged = workload != null && !TemplateHash.of(plan).equals(workload.annotation(Names.SPEC_HASH));
    boolean ownRestart = serviceRestart != null && !serviceRestart.equals(previous == null ? null : previous.getRestartRequest());
    status.setRestartRequest(serviceRestart);
    boolean stopped = phase == ServicePhase.BackingOff || phase == ServicePhase.Failed || phase == ServicePhase.Completed;

    if (stopped && (ownRestart || templateChanged || (resetRequested && phase == ServicePhase.Failed))) {
      restartNow(statuses, templateChanged);
    } else if (phase == ServicePhase.BackingOff) {
      backingOff(statuses);
    } else if (phase == ServicePhase.Failed || phase == ServicePhase.Completed) {
      // Stopped for good: a Deployment someone deleted is not re-created, one scaled up is put back.
      stayStopped(phase);
    } else if (job && workload instanceof Workload.OfJob done && done.complete() && !templateChanged && !ownRestart) {
      // Its Job has succeeded for the current template (also seen again after a suspend): done, not re-run.
      completed();
    } else if (workload == null || (wanted == 0 && (phase == null || NOT_STARTED.contains(phase)))) {
      startWhenReady(statuses);
    } else if (!job && wanted == 0 && !ownRestart && !unmet(statuses).isEmpty()) {
      // Running, scaled to 0 by someone else, while a dependency is not healthy: putting the
      // replicas back would be a start, and a start is gated (as for a re-created Deployment).
      status.setPhase(ServicePhase.Stopped);
      startWhenReady(statuses, !templateChanged);
    } else if (ownRestart) {
      restartRunning(statuses);
    } else {
      supervise(templateChanged);
      ServicePhase after = status.getPhase();
      if (templateChanged && (after == ServicePhase.BackingOff || after == ServicePhase.Failed || after == ServicePhase.Completed)) {
        // It stopped (a failure seen) while a new template waits: the new template restarts it now,
        // as the next reconcile would for a stopped service; said twice, the two reconciles of
        // one observation wrote two statuses (seed 202413).
        actions.clear();
        restartNow(statuses, true);
      }
    }
    status.setRunning(DeploymentHealth.running(pods));
    status.setReadyReplicas(workload == null ? null : workload.readyReplicas());
    return new Step(status, actions, Optional.ofNullable(wakeAt), firstStart);
  }

  private void startWhenReady(Map<String, ServiceStatus> statuses) {
    startWhenReady(statuses, false);
  }

  /** @param scaleOnly the Deployment holds the current template: scaling it up is the start */
  private void startWhenReady(Map<String, ServiceStatus> statuses, boolean scaleOnly) {
    List<String> unmet = unmet(statuses);
    status.setHealthy(false);
    status.setStartedAt(null);
    status.setHealthySince(null);
    status.setNextRestartAt(null);
    if (!unmet.isEmpty()) {
      holdAtZero();
      status.setPhase(ServicePhase.Waiting);
      status.setReason(ServiceReason.DependenciesNotReady);
      status.setWaitingFor(unmet);
      status.setDependenciesMetAt(null);
      status.setError("waiting for dependencies: " + String.join(", ", unmet));
      return;
    }
    Instant metAt = Optional.ofNullable(Times.parse(status.getDependenciesMetAt())).orElse(now);
    status.setDependenciesMetAt(Times.format(metAt));
    Instant startAt = metAt.plus(plan.startDelay());
    if (now.isBefore(startAt)) {
      holdAtZero();
      status.setPhase(ServicePhase.Delaying);
      status.setReason(ServiceReason.StartDelay);
      status.setError("start delay " + Durations.format(plan.startDelay()) + ": starting at " + Times.format(startAt));
      wakeAt = startAt;
      return;
    }
    if (job && workload != null) {
      // A Job's template is immutable and a finished Job runs no more: the old one goes first.
      rerunJob("re-running: deleting its previous Job first");
      return;
    }
    if (workload == null) {
      actions.add(new Action.Create(plan.name(), plan.replicas()));
      firstStart = isFirstStart();
    } else if (scaleOnly) {
      actions.add(new Action.Scale(plan.name(), plan.replicas()));
    } else {
      actions.add(new Action.Update(plan.name(), plan.replicas()));
    }
    String since = previous != null && previous.getPhase() == ServicePhase.Starting && workload == null
        ? previous.getStartedAt() : null;
    started();
    if (since != null) {
      // The create of the same start is tried again (it failed): the status stays as it was, so a
      // create the API server keeps refusing writes no status, wakes no reconcile, and JOSDK's
      // retry backoff holds.
      status.setStartedAt(since);
    }
  }

  /**
   * A create that starts the service for the first time: it was never started (or its create is
   * tried again), no Pod of it is seen (so no exit becomes history), and no restart of it is asked
   * for now. What its status then records besides what the cluster shows (the start's instant, when
   * its dependencies were met) is read by nothing once its workload is seen.
   */
  private boolean isFirstStart() {
    boolean neverStarted = previous == null
        || (BEFORE_FIRST_START.contains(previous.getPhase()) && previous.getRestarts() == 0 && previous.getLastExit() == null);
    boolean restartAsked = serviceRestart != null && !serviceRestart.equals(previous == null ? null : previous.getRestartRequest());
    return neverStarted && pods.isEmpty() && !restartAsked
        && (previous == null || previous.getCountedExits().isEmpty());
  }

  /**
   * A start that waits (for its dependencies, its start delay) has no replicas meanwhile: a restart
   * for a new template, its scale to 0 not seen yet, goes to 0 first (seed 201321).
   */
  private void holdAtZero() {
    if (!job && actions.isEmpty()) {
      ensureReplicas(0);
    }
  }

  /**
   * The dependencies (services, then groups) that are not healthy now. A dependency whose replica
   * count someone changed is still called healthy while it is put back, but a start waits until its
   * replicas are back: scaled to 0 by hand, it has none available.
   */
  private List<String> unmet(Map<String, ServiceStatus> statuses) {
    List<String> unmet = plan.dependsOn().stream()
        .filter(dep -> statuses.get(dep) == null || !statuses.get(dep).isHealthy()
            || statuses.get(dep).getReason() == ServiceReason.ReplicasPutBack)
        .sorted()
        .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    unmet.addAll(groups);
    return unmet;
  }

  private void started() {
    // Whatever ended before this start is history: only what ends from now on counts.
    java.util.TreeSet<String> counted = new java.util.TreeSet<>(status.getCountedExits());
    FailureDetector.visible(workload, pods).forEach(t -> counted.add(t.key()));
    status.setCountedExits(List.copyOf(counted));
    status.setPhase(ServicePhase.Starting);
    status.setReason(ServiceReason.Starting);
    status.setHealthy(false);
    status.setStartedAt(Times.format(now));
    status.setHealthySince(null);
    status.setNextRestartAt(null);
    status.setError(job ? JobHealth.RUNNING : "starting: 0/" + plan.replicas() + " replicas available");
  }

  /**
   * A Job to run anew (a restart, a new template, a manual restart): delete the one there is
   * (its pods go with it), then create it once it and its pods are gone, as a restart after a
   * backoff that is already due.
   */
  private void rerunJob(String why) {
    deleteJob();
    status.setHealthy(false);
    status.setHealthySince(null);
    status.setPhase(ServicePhase.BackingOff);
    status.setNextRestartAt(Times.format(now));
    status.setReason(ServiceReason.RestartStopping);
    status.setError(why);
  }

  private void deleteJob() {
    if (workload != null && !workload.deleting()) {
      actions.add(new Action.Delete(plan.name()));
    }
  }

  /** The Job has succeeded: the service is done, healthy, and its dependents may start. */
  private void completed() {
    FailureDetector.visible(workload, pods).stream().filter(t -> t.outcome() == Outcome.EXIT_ZERO).max(LATEST)
        .ifPresent(t -> status.setLastExit(t.toRecord()));
    status.setCountedExits(FailureDetector.visible(workload, pods).stream().map(Termination::key).distinct().sorted().toList());
    status.setPhase(ServicePhase.Completed);
    status.setReason(ServiceReason.Completed);
    status.setHealthy(true);
    status.setNextRestartAt(null);
    status.setError("");
  }

  /**
   * A restart request or a new template for a stopped service: forget the count and start again,
   * gated on the dependencies of the current spec like any start (no start delay: it is not the
   * first start, unless its dependencies are not met now).
   */
  private void restartNow(Map<String, ServiceStatus> statuses, boolean templateChanged) {
    status.setRestarts(0);
    status.setPhase(ServicePhase.Stopped);
    // A Job still seen running goes first. So does a finished one when the restart was asked for
    // (a request is acted on once): left in place while the start waits for a dependency, the next
    // reconcile would see it complete and call the service Completed again (seed 101345). A new
    // template alone is seen again by every reconcile: the finished Job is deleted once the
    // dependencies are met (startWhenReady).
    boolean oldJob = job && workload != null && (!workload.scaledDown() || !templateChanged);
    if (workload != null && (!blocking.isEmpty() || oldJob)) {
      // Its old pods are still stopping (or its old Job is still to go): the start waits for them,
      // as a restart after backoff does. A Job goes first whatever it asks for (a finished one asks
      // for no pods, yet must be deleted to run anew).
      if (job) {
        deleteJob();
      } else {
        ensureReplicas(0);
      }
      status.setPhase(ServicePhase.BackingOff);
      status.setNextRestartAt(Times.format(now));
      status.setReason(ServiceReason.RestartStopping);
      status.setError(blocking.isEmpty() ? "restarting: waiting for the previous Job to be deleted"
          : "restarting: waiting for " + blocking.size() + " pod(s) to terminate");
      status.setHealthy(false);
      return;
    }
    startWhenReady(statuses, !templateChanged);
  }

  /** This service's own restart annotation on a running service: stop it, then start it at once. */
  private void restartRunning(Map<String, ServiceStatus> statuses) {
    if (job) {
      status.setRestarts(0);
      rerunJob("restarting on request");
      return;
    }
    status.setRestarts(0);
    status.setHealthy(false);
    status.setHealthySince(null);
    status.setPhase(ServicePhase.BackingOff);
    status.setNextRestartAt(Times.format(now));
    status.setReason(ServiceReason.RestartStopping);
    status.setError("restarting on request");
    ensureReplicas(0);
    if (actions.isEmpty()) {
      // Already at 0 (a scale-up that failed, another hand): what the backoff's end would do is
      // done now, the start if no pod is left (nothing would wake a second reconcile), else the
      // wait for them said as the next reconcile would say it.
      backingOff(statuses);
    }
  }

  private void backingOff(Map<String, ServiceStatus> statuses) {
    if (job) {
      deleteJob();
    } else {
      ensureReplicas(0);
    }
    Instant due = Times.parse(status.getNextRestartAt());
    status.setHealthy(false);
    if (due != null && now.isBefore(due)) {
      wakeAt = due;
      status.setPhase(ServicePhase.BackingOff);
      return;
    }
    if (job && (workload != null || !blocking.isEmpty())) {
      // The old Job (or its pods) still goes: their deletion wakes us.
      status.setPhase(ServicePhase.BackingOff);
      status.setReason(ServiceReason.RestartStopping);
      status.setError(workload != null ? "restarting: waiting for the previous Job to be deleted"
          : "restarting: waiting for " + blocking.size() + " pod(s) to terminate");
      return;
    }
    if (workload == null) {
      // Deleted by someone else while it backed off (a Job: deleted for its restart): created as a start, gated.
      status.setPhase(ServicePhase.Stopped);
      startWhenReady(statuses);
      return;
    }
    if (blocking.isEmpty() && !unmet(statuses).isEmpty()) {
      // The restart is a start: gated on the dependencies of the current spec like any other. It
      // waits (replicas kept at 0, the count kept) and starts once they are healthy again.
      status.setPhase(ServicePhase.Stopped);
      startWhenReady(statuses, true);
      return;
    }
    if (blocking.isEmpty()) {
      actions.removeIf(a -> a instanceof Action.Scale);
      actions.add(new Action.Scale(plan.name(), plan.replicas()));
      started();
      return;
    }
    // Stop, then start: the old Pods must be gone first. Their deletion wakes us. Pods that are
    // history (phase Failed/Succeeded) or stuck terminating on a lost node are not waited for.
    status.setPhase(ServicePhase.BackingOff);
    status.setReason(ServiceReason.RestartStopping);
    status.setError("restarting: waiting for " + blocking.size() + " pod(s) to terminate");
  }

  private void stayStopped(ServicePhase phase) {
    // A finished Job stays as it is (its pod's logs with it); it runs no more pods.
    if (workload != null && !job) {
      ensureReplicas(0);
    }
    status.setPhase(phase);
    status.setHealthy(phase == ServicePhase.Completed);
  }

  private void supervise(boolean templateChanged) {
    if (job && templateChanged) {
      rerunJob("re-running with a new template: deleting its previous Job first");
      return;
    }
    // A Job is done when the Job controller says so (Complete), not when its pod's exit 0 is seen first.
    List<Termination> visible = FailureDetector.visible(workload, pods).stream()
        .filter(t -> !job || t.outcome() != Outcome.EXIT_ZERO).toList();
    Set<String> counted = Set.copyOf(status.getCountedExits());
    List<Termination> fresh = visible.stream().filter(t -> !counted.contains(t.key())).toList();
    // Remembered while visible, forgotten once gone: the list is as long as what the pods show.
    status.setCountedExits(visible.stream().map(Termination::key).distinct().sorted().toList());
    fresh.stream().filter(t -> t.outcome() == Outcome.DISRUPTED).max(LATEST).ifPresent(t -> {
      status.setLastDisruption(t.toRecord());
      status.setReason(ServiceReason.Disrupted);
    });
    List<Termination> failures = fresh.stream().filter(Termination::countsAsFailure).toList();
    if (!failures.isEmpty()) {
      Set<String> failedPods = new java.util.HashSet<>();
      failures.forEach(t -> failedPods.add(t.pod()));
      long othersReady = pods.stream().filter(Pods::ready).filter(p -> !failedPods.contains(p.getMetadata().getName())).count();
      boolean rollout = failures.stream().anyMatch(t -> t.outcome() == Outcome.ROLLOUT_FAILED);
      Termination latest = failures.stream().max(LATEST).orElseThrow();
      if (rollout || othersReady == 0) {
        stopped(rollout ? failures.stream().filter(t -> t.outcome() == Outcome.ROLLOUT_FAILED).findFirst().orElseThrow() : latest);
        return;
      }
      // Other replicas still serve: the crashed one is kubelet's and the ReplicaSet's to restart.
      status.setLastExit(latest.toRecord());
      status.setReason(ServiceReason.ReplicaCrashed);
    }
    if (status.getStartedAt() == null) {
      // Running without a recorded start (a status that was lost): count from now.
      status.setStartedAt(Times.format(now));
    }
    int desired = desiredReplicas();
    // A Job's template is immutable: nobody can change it behind the operator's back.
    boolean drifted = !job && TemplateDrift.drifted(plan.spec().getTemplate(), workload.template());
    if (templateChanged || drifted) {
      actions.add(new Action.Update(plan.name(), desired));
      status.setPhase(ServicePhase.Starting);
      status.setReason(ServiceReason.RollingOut);
      status.setHealthy(false);
      status.setHealthySince(null);
      status.setError(templateChanged ? "rolling out a new template" : "putting back the template changed on its " + plan.spec().kind());
      return;
    }
    boolean replicasChanged = !job && !Integer.valueOf(desired).equals(workload.replicas());
    ensureReplicas(desired);
    ServicePhase previousPhase = status.getPhase();
    ServiceReason reason = status.getReason();
    boolean crashedReplicaBack = reason != ServiceReason.ReplicaCrashed || status.getLastExit() == null
        || pods.stream().noneMatch(p -> p.getMetadata().getName().equals(status.getLastExit().getPod()) && !Pods.ready(p));
    if (previousPhase == ServicePhase.Ready && (replicasChanged || reason == ServiceReason.ReplicasPutBack)
        && !(actions.isEmpty() && workload.healthy(desired))) {
      // A replica count changed by someone else is put back: not the service failing.
      status.setPhase(ServicePhase.Ready);
      status.setReason(ServiceReason.ReplicasPutBack);
      status.setHealthy(true);
      status.setError("");
      return;
    }
    if (actions.isEmpty() && workload.healthy(desired) && crashedReplicaBack) {
      status.setPhase(ServicePhase.Ready);
      status.setReason(ServiceReason.Healthy);
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
        || reason == ServiceReason.ReplicaCrashed ? ServicePhase.Unhealthy : ServicePhase.Starting);
    String explained = workload.explain(pods, desired, status.getPhase() == ServicePhase.Starting);
    if (reason == ServiceReason.ReplicaCrashed && status.getLastExit() != null) {
      status.setError("pod " + status.getLastExit().getPod() + ": " + Termination.describe(status.getLastExit(), false)
          + "; " + Pods.readyCount(pods) + "/" + desired + " replicas ready, kubelet restarts it");
    } else if (reason == ServiceReason.Disrupted && status.getLastDisruption() != null) {
      status.setError(explained + "; " + Termination.describe(status.getLastDisruption(), true));
    } else {
      status.setReason(status.getPhase() == ServicePhase.Starting && explained.startsWith("starting")
          ? ServiceReason.Starting : ServiceReason.NotAvailable);
      status.setError(explained);
    }
  }

  private void stopped(Termination termination) {
    status.setLastExit(termination.toRecord());
    status.setHealthy(false);
    status.setHealthySince(null);
    RestartDecision decision = RestartDecision.decide(plan.restart(), termination.outcome(), status.getRestarts(),
        termination.exitCode(), backoff);
    if (!job) {
      ensureReplicas(0);
    } else if (decision instanceof RestartDecision.Restart) {
      // A Job failed for good stays, with its pod and logs, until a restart or the group's deletion.
      deleteJob();
    }
    if (decision instanceof RestartDecision.Restart restart) {
      // Whole milliseconds, as the status keeps times: a jittered delay reads "437ms", not "437123456ns".
      Duration delay = restart.delay().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      Instant due = now.plus(delay);
      status.setRestarts(status.getRestarts() + 1);
      status.setNextRestartAt(Times.format(due));
      status.setPhase(ServicePhase.BackingOff);
      status.setReason(ServiceReason.Exited);
      status.setError(termination.describe() + "; restarting in " + Durations.format(delay)
          + " (restart " + status.getRestarts() + (plan.restart().unlimited() ? "" : " of " + plan.restart().maxRetries()) + ")");
      wakeAt = due;
    } else if (decision instanceof RestartDecision.Complete) {
      status.setPhase(ServicePhase.Completed);
      status.setReason(ServiceReason.Completed);
      status.setHealthy(true);
      status.setNextRestartAt(null);
      status.setError("");
    } else if (decision instanceof RestartDecision.Fail fail) {
      status.setPhase(ServicePhase.Failed);
      status.setNextRestartAt(null);
      boolean never = plan.restart().policy() == dev.runner.api.RestartPolicy.Never;
      status.setReason(never ? ServiceReason.NotRestarted : ServiceReason.RestartLimitReached);
      status.setError(never ? termination.describe() + "; not restarted (restart policy Never)" : fail.reason());
    }
  }

  /**
   * The replicas the workload should have while it runs: the spec's, or, for a service whose
   * replicas an autoscaler owns, whatever the workload has now (the spec's only as the start).
   */
  private int desiredReplicas() {
    Integer live = workload.replicas();
    return Boolean.TRUE.equals(plan.spec().getAutoscaled()) && live != null && live > 0 ? live : plan.replicas();
  }

  private void ensureReplicas(int replicas) {
    if (workload == null) {
      return;
    }
    Integer current = workload.replicas();
    if (current == null || current != replicas) {
      actions.add(job ? new Action.Delete(plan.name()) : new Action.Scale(plan.name(), replicas));
    }
  }

  private static final java.util.Comparator<Termination> LATEST = java.util.Comparator
      .comparing(Termination::at, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
      .thenComparing(t -> t.pod() == null ? "" : t.pod())
      .thenComparing(t -> t.container() == null ? "" : t.container());

  static Duration until(Instant now, Instant then) {
    return then.isAfter(now) ? Duration.between(now, then) : Duration.ZERO;
  }
}
