package dev.runner.sim;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.Observed;
import dev.runner.core.Pods;
import dev.runner.core.TemplateHash;
import dev.runner.core.Times;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What must hold after every reconcile of a simulated world, each named, each with a message
 * that says what broke. They judge the decision against what the operator saw (its caches may be
 * behind: no operator can know better) and against the cluster where the cluster is what counts
 * (an object written, the finalizer removed).
 */
final class Invariants {
  enum Name {
    /** No workload created or scaled up while a dependency of the current spec is not healthy. */
    START_GATED,
    /** No service stopped (scaled to 0, deleted) on deletion, suspend or removal while a dependent still has pods. */
    STOP_ORDERED,
    /** The restart count goes up by one per counted termination, each termination counted once, and down only on a reset. */
    RESTART_COUNT,
    /** No restart before its backoff has passed. */
    BACKOFF_RESPECTED,
    /** Never more restarts than maxRetries. */
    MAX_RETRIES,
    /** No workload the group does not own changed or deleted by the operator. */
    FOREIGN_UNTOUCHED,
    /** The finalizer removed only when no Deployment of the group is left and no pod is seen. */
    FINALIZER_LAST,
    /** An invalid spec changes nothing that runs. */
    INVALID_CHANGES_NOTHING,
    /** A reconcile that finds nothing new writes nothing: no action, the same status (so no event either). */
    NO_OP_WRITES_NOTHING,
    /** The decision never throws, whatever it is given. */
    NO_CRASH,
    /** Once the faults stop, the group reaches its end state within a bounded number of steps. */
    LIVENESS,
    /** A Completed service (a Job that succeeded) is a met dependency: nothing waits for it. */
    COMPLETED_MEETS_DEPENDENCY,
    /** A Job that succeeded is not created again unless its own restart annotation (or a new template) asks. */
    JOB_NOT_RERUN,
    /** No claim deleted but by the StatefulSet controller, and only as the service's retention policy says. */
    DATA_KEPT,
    /** A Job's restarts: one per failed Job, whichever of its pod's exit and its Failed condition the operator saw. */
    JOB_RESTART_COUNT
  }

  /** An invariant that broke. */
  static final class Violation extends AssertionError {
    final Name name;

    Violation(Name name, String message) {
      super(name + ": " + message);
      this.name = name;
    }
  }

  /** Termination keys that have appeared in a written countedExits, per service: each counts at most once. */
  private final Map<String, Set<String>> consumed = new HashMap<>();
  /** The Jobs (by uid) whose failure a restart was counted for, per service: one restart each. */
  private final Map<String, Set<String>> chargedJobs = new HashMap<>();
  /** A Job service whose status said Completed: the template hash it completed with and its restart annotation then. */
  private final Map<String, List<String>> succeeded = new HashMap<>();
  /** The retention policy the user gave each StatefulSet service (an empty one: unset). */
  private final Map<String, StatefulSetPersistentVolumeClaimRetentionPolicy> policies = new HashMap<>();
  /** The claim deletions judged so far. */
  private int claimDeletionsSeen;
  private Decision last;

  Decision lastDecision() {
    return last;
  }

  private static void check(boolean holds, Name name, String message) {
    if (!holds) {
      throw new Violation(name, message);
    }
  }

  void afterReconcile(SimWorld world, SimOperator.Reconcile r) {
    last = r.decision();
    Observed seen = r.observed();
    Instant now = seen.now();
    GroupPlan plan = r.decision().plan();
    boolean suspend = seen.spec() != null && Boolean.TRUE.equals(seen.spec().getSuspend());
    boolean teardown = seen.deleting() || suspend;
    check(plan.valid() || teardown || r.decision().actions().isEmpty(), Name.INVALID_CHANGES_NOTHING,
        "the spec is invalid (" + plan.errors() + ") and the decision still acts: " + r.decision().actions());
    world.cluster.spec.getServices().stream().filter(s -> s.kind() == WorkloadKind.StatefulSet).forEach(s ->
        policies.putIfAbsent(s.getName(), s.getPersistentVolumeClaimRetentionPolicy() == null
            ? new StatefulSetPersistentVolumeClaimRetentionPolicy() : s.getPersistentVolumeClaimRetentionPolicy()));
    for (Action action : r.applied()) {
      String service = action.service();
      String name = SimCluster.deploymentName(service);
      HasMetadata before = r.before().get(name);
      // Judged by its effect: a write whose precondition (the UID seen, the resourceVersion) the
      // API server refused reached the object and left it as it was.
      HasMetadata after = world.cluster.workloads.get(name);
      if (!(action instanceof Action.Create) && before != null && !SimCluster.owned(before)) {
        check(after != null && java.util.Objects.equals(after.getMetadata().getResourceVersion(), before.getMetadata().getResourceVersion()),
            Name.FOREIGN_UNTOUCHED, action + (after == null ? " deleted " : " changed ") + before.getKind() + " " + name
                + ", which the group does not own");
      }
      Workload observed = seen.workloads().get(service);
      int observedReplicas = observed == null || observed.replicas() == null ? 0 : observed.replicas();
      if (action instanceof Action.Create && plan.services().containsKey(service)
          && plan.services().get(service).spec().kind() == WorkloadKind.Job) {
        jobNotRerun(r, service);
      } else if (action instanceof Action.Delete && plan.services().containsKey(service) && rerunAsked(r, service)) {
        // Its finished Job deleted for a re-run the spec asked for then (a new template, its own
        // restart): the create that follows is that re-run, also if the spec goes back meanwhile.
        succeeded.remove(service);
      }
      boolean start = action instanceof Action.Create create ? create.replicas() > 0
          : action instanceof Action.Scale scale ? scale.replicas() > 0 && observedReplicas == 0
          : action instanceof Action.Update update && update.replicas() > 0 && observedReplicas == 0;
      if (start) {
        startGated(r, service, teardown);
        backoffRespected(r, service, now);
      }
      boolean stop = (action instanceof Action.Scale scale && scale.replicas() == 0) || action instanceof Action.Delete;
      if (stop && (teardown || !plan.services().containsKey(service))) {
        stopOrdered(r, action, now);
      }
    }
    restartCount(world, r, now);
    completedMeetsDependency(r);
    dataKept(world);
    recordSuccesses(r);
    if (r.finalizerRemoved()) {
      check(r.leftAtRemoval().isEmpty(), Name.FINALIZER_LAST, "the finalizer was removed while the cluster still holds "
          + r.leftAtRemoval());
      Map<String, List<Pod>> blocking = Pods.blocking(seen.pods(), now);
      check(blocking.isEmpty(), Name.FINALIZER_LAST, "the finalizer was removed while the operator saw pods of "
          + blocking.keySet());
    }
    if (!r.failed() && r.decision().actions().isEmpty() && SimOperator.changed(r.observed().previous(), r.decision().status())) {
      // (when the decision kept the status as it was, the same call again is the same call)
      noOpWritesNothing(world, r);
    }
  }

  private static void startGated(SimOperator.Reconcile r, String service, boolean teardown) {
    Observed seen = r.observed();
    check(!teardown, Name.START_GATED, service + " was started while the group is " + (seen.deleting() ? "being deleted" : "suspended"));
    GroupPlan plan = r.decision().plan();
    check(plan.valid() && plan.services().containsKey(service), Name.START_GATED,
        service + " was started though it is not in the valid spec (" + plan.errors() + ")");
    for (String dep : plan.services().get(service).dependsOn()) {
      Optional<String> unhealthy = unhealthy(seen, plan, dep, r.decision().status());
      check(unhealthy.isEmpty(), Name.START_GATED, service + " was started at " + seen.now() + " while its dependency " + dep
          + " is not healthy: " + unhealthy.orElse(""));
    }
  }

  /** Why a dependency is not healthy in what the operator saw, or empty: healthy by its kind's rules, or Completed. */
  static Optional<String> unhealthy(Observed seen, GroupPlan plan, String dep, RunnerGroupStatus decided) {
    Workload w = seen.workloads().get(dep);
    ServiceStatus status = decided.getServices().get(dep);
    if (status != null && status.getPhase() == ServicePhase.Completed) {
      return Optional.empty(); // it exited 0 (a Job: completed): met, whatever someone does to its replica count meanwhile
    }
    return notHealthy(w == null ? null : w.object(), plan.services().get(dep).replicas());
  }

  /**
   * Why the workload is not healthy, judged here by the rules of its kind (not by the core's
   * code), or empty: a Deployment's generation observed and all its replicas updated and available;
   * a StatefulSet's generation observed, all its replicas ready and updated, its rollout over
   * (currentRevision is updateRevision); a Job completed.
   */
  static Optional<String> notHealthy(HasMetadata w, int want) {
    if (w == null) {
      return Optional.of("it has no workload");
    }
    if (w instanceof Job job) {
      return SimCluster.complete(job) ? Optional.empty() : Optional.of("its Job has not completed");
    }
    long generation = w.getMetadata().getGeneration();
    if (w instanceof StatefulSet set) {
      var s = set.getStatus();
      if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
        return Optional.of("its StatefulSet's generation " + generation + " is not observed yet");
      }
      int ready = s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
      int updated = s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
      if (ready < want || updated < want || !Objects.equals(s.getCurrentRevision(), s.getUpdateRevision())) {
        return Optional.of(ready + "/" + want + " replicas ready, " + updated + " updated, revision " + s.getCurrentRevision()
            + " of " + s.getUpdateRevision() + " (spec.replicas " + set.getSpec().getReplicas() + ")");
      }
      return Optional.empty();
    }
    Deployment d = (Deployment) w;
    var s = d.getStatus();
    if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
      return Optional.of("its Deployment's generation " + generation + " is not observed yet");
    }
    int updated = s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
    int available = s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
    if (updated < want || available < want) {
      return Optional.of(available + "/" + want + " replicas available, " + updated + " updated (spec.replicas "
          + d.getSpec().getReplicas() + ")");
    }
    return Optional.empty();
  }

  private static void backoffRespected(SimOperator.Reconcile r, String service, Instant now) {
    ServiceStatus before = r.statusBefore() == null ? null : r.statusBefore().getServices().get(service);
    if (before == null || before.getPhase() != ServicePhase.BackingOff || before.getNextRestartAt() == null) {
      return;
    }
    Instant due = Times.parse(before.getNextRestartAt());
    boolean ownRestart = !Objects.equals(r.observed().serviceRestarts().get(service), before.getRestartRequest());
    boolean newTemplate = templateChanged(r, service);
    check(!now.isBefore(due) || ownRestart || newTemplate, Name.BACKOFF_RESPECTED,
        service + " was started again at " + now + ", before its backoff ends at " + due + " (restart " + before.getRestarts() + ")");
  }

  private static boolean templateChanged(SimOperator.Reconcile r, String service) {
    Workload w = r.observed().workloads().get(service);
    GroupPlan.ServicePlan plan = r.decision().plan().services().get(service);
    return w != null && plan != null && !TemplateHash.of(plan).equals(w.annotation(Names.SPEC_HASH));
  }

  private static void stopOrdered(SimOperator.Reconcile r, Action action, Instant now) {
    Observed seen = r.observed();
    String service = action.service();
    Map<String, Set<String>> dependsOn = new TreeMap<>();
    seen.workloads().forEach((name, w) -> {
      String value = w.annotation(Names.DEPENDS_ON);
      if (value != null && !value.isBlank()) {
        dependsOn.computeIfAbsent(name, k -> new TreeSet<>()).addAll(Arrays.asList(value.split(",")));
      }
    });
    GroupPlan plan = r.decision().plan();
    plan.services().forEach((name, p) -> dependsOn.computeIfAbsent(name, k -> new TreeSet<>()).addAll(p.dependsOn()));
    if (cyclic(dependsOn)) {
      return; // the recorded dependencies of several spec versions form a cycle: the stop order cannot hold
    }
    Map<String, List<Pod>> blocking = Pods.blocking(seen.pods(), now);
    dependsOn.forEach((dependent, deps) -> {
      if (dependent.equals(service) || !deps.contains(service)) {
        return;
      }
      Workload d = seen.workloads().get(dependent);
      int replicas = d == null || d.replicas() == null ? 0 : d.replicas();
      int pods = blocking.getOrDefault(dependent, List.of()).size();
      // On deletion a Deployment goes after its dependents' (gone); on a removal, after its
      // dependents that stay in the spec are stopped (scaled to 0, no pods).
      // A Delete of a running Job (on suspend, deletion or removal) is its stop, like a scale to 0:
      // its dependents need only be stopped. A finished Job's is a deletion, after its dependents'.
      Workload deleted = seen.workloads().get(service);
      boolean jobStop = deleted != null && deleted.kind() == WorkloadKind.Job && deleted.replicas() != null && deleted.replicas() > 0;
      boolean removal = (seen.deleting() || !plan.services().containsKey(service)) && !jobStop;
      boolean gone = action instanceof Action.Delete && removal && (seen.deleting() || !plan.services().containsKey(dependent));
      boolean stopped = gone ? d == null && pods == 0 : replicas == 0 && pods == 0;
      check(stopped, Name.STOP_ORDERED, action + " while its dependent " + dependent + " still has "
          + (d == null ? "no workload" : "a " + d.kind() + " of " + replicas + " replicas") + " and " + pods + " pod(s)"
          + (seen.deleting() ? " (deleting)" : "") + (Boolean.TRUE.equals(seen.spec().getSuspend()) ? " (suspended)" : ""));
    });
  }

  private static boolean cyclic(Map<String, Set<String>> graph) {
    Map<String, Integer> state = new HashMap<>();
    for (String node : graph.keySet()) {
      if (visit(node, graph, state)) {
        return true;
      }
    }
    return false;
  }

  private static boolean visit(String node, Map<String, Set<String>> graph, Map<String, Integer> state) {
    Integer s = state.get(node);
    if (s != null) {
      return s == 1;
    }
    state.put(node, 1);
    for (String next : graph.getOrDefault(node, Set.of())) {
      if (visit(next, graph, state)) {
        return true;
      }
    }
    state.put(node, 2);
    return false;
  }

  private void restartCount(SimWorld world, SimOperator.Reconcile r, Instant now) {
    RunnerGroupStatus after = r.statusAfter();
    if (after == null) {
      return;
    }
    RunnerGroupStatus before = r.statusBefore();
    Observed seen = r.observed();
    for (Map.Entry<String, ServiceStatus> entry : after.getServices().entrySet()) {
      String service = entry.getKey();
      ServiceStatus a = entry.getValue();
      ServiceStatus b = before == null ? null : before.getServices().get(service);
      int was = b == null ? 0 : b.getRestarts();
      int is = a.getRestarts();
      Set<String> counted = consumed.computeIfAbsent(service, k -> new HashSet<>());
      if (is > was) {
        check(is == was + 1, Name.RESTART_COUNT, service + ": the restart count jumped from " + was + " to " + is + " in one reconcile");
        List<String> fresh = a.getCountedExits().stream().filter(k -> !counted.contains(k)).toList();
        List<String> endings = fresh.stream().filter(k -> {
          SimCluster.Ending ending = world.cluster.endings.get(k);
          return ending == SimCluster.Ending.FAILURE || ending == SimCluster.Ending.EXIT_ZERO;
        }).toList();
        check(!endings.isEmpty(), Name.RESTART_COUNT, service + ": restart " + is + " counted without a new termination of the "
            + "application (newly counted: " + fresh + ", already counted before: " + counted.size() + ")");
        GroupPlan.ServicePlan plan = r.decision().plan().services().get(service);
        if (plan != null && plan.spec().kind() == WorkloadKind.Job) {
          jobRestartCount(world, service, is, fresh);
        }
        if (plan != null && !plan.restart().unlimited()) {
          check(is <= plan.restart().maxRetries(), Name.MAX_RETRIES, service + ": restart " + is + " of at most "
              + plan.restart().maxRetries());
        }
      } else if (is < was) {
        boolean groupRestart = seen.restartRequest() != null && !seen.restartRequest().equals(before.getRestartRequest());
        boolean ownRestart = !Objects.equals(seen.serviceRestarts().get(service), b.getRestartRequest());
        GroupPlan.ServicePlan plan = r.decision().plan().services().get(service);
        Instant since = Times.parse(b.getHealthySince());
        boolean reset = plan != null && since != null && !now.isBefore(since.plus(plan.restart().resetAfter()));
        check(is == 0 && (groupRestart || ownRestart || templateChanged(r, service) || reset), Name.RESTART_COUNT,
            service + ": the restart count went from " + was + " to " + is
                + " without a restart request, a new template or " + (plan == null ? "resetAfter" : "resetAfter " + plan.restart().resetAfter())
                + " of health (healthy since " + b.getHealthySince() + ")");
      }
      boolean newBackoff = a.getPhase() == ServicePhase.BackingOff && a.getReason() == ServiceReason.Exited
          && (b == null || !Objects.equals(a.getNextRestartAt(), b.getNextRestartAt()));
      check(!newBackoff || is == was + 1, Name.RESTART_COUNT, service + ": a backoff until " + a.getNextRestartAt()
          + " began without counting the restart (" + was + " -> " + is + ")");
      counted.addAll(a.getCountedExits());
    }
  }

  private void noOpWritesNothing(SimWorld world, SimOperator.Reconcile r) {
    Observed seen = r.observed();
    RunnerGroupStatus written = SimCluster.JSON.unmarshal(SimCluster.JSON.asJson(r.decision().status()), RunnerGroupStatus.class);
    Observed same = new Observed(seen.group(), seen.generation(), seen.spec(), seen.deleting(), seen.restartRequest(),
        seen.serviceRestarts(), written, seen.workloads(), seen.foreign(), seen.pods(), seen.now(), seen.groups());
    Decision again = world.operator.decider().decide(same);
    check(again.actions().isEmpty(), Name.NO_OP_WRITES_NOTHING, "the same observation again, with the status just decided, "
        + "acts: " + again.actions());
    // Events are recorded only with a status write (StatusRecorder): the same status records none.
    String before = SimCluster.JSON.asJson(written);
    String now = SimCluster.JSON.asJson(again.status());
    check(before.equals(now), Name.NO_OP_WRITES_NOTHING, "the same observation again writes another status:\n  was " + before
        + "\n  now " + now);
  }

  // ---- the kinds ----------------------------------------------------------------------------------

  /** No service waits for a service its status just called Completed. */
  private static void completedMeetsDependency(SimOperator.Reconcile r) {
    Map<String, ServiceStatus> services = r.decision().status().getServices();
    services.forEach((service, s) -> {
      if (s.getPhase() != ServicePhase.Waiting) {
        return;
      }
      for (String dep : s.getWaitingFor()) {
        ServiceStatus d = services.get(dep);
        check(d == null || d.getPhase() != ServicePhase.Completed, Name.COMPLETED_MEETS_DEPENDENCY,
            service + " waits for " + dep + ", which is Completed (" + d.getReason() + "): a completed dependency is met");
      }
    });
  }

  /** A create of a Job service that succeeded: only for its own restart annotation's new value, or a new template. */
  private void jobNotRerun(SimOperator.Reconcile r, String service) {
    List<String> success = succeeded.get(service);
    if (success == null) {
      return;
    }
    String hash = TemplateHash.of(r.decision().plan().services().get(service));
    String restart = r.observed().serviceRestarts().get(service);
    check(!hash.equals(success.get(0)) || !Objects.equals(restart, success.get(1)), Name.JOB_NOT_RERUN,
        "the Job of " + service + " was created again at " + r.observed().now() + " after it had succeeded (Completed), "
            + "with the same template and no new " + Names.SERVICE_RESTART_PREFIX + service + " (" + restart + ")");
    succeeded.remove(service);
  }

  /** A Job service that succeeded, and what the reconcile saw asks for another run (a new template, its own restart). */
  private boolean rerunAsked(SimOperator.Reconcile r, String service) {
    List<String> success = succeeded.get(service);
    return success != null && (!TemplateHash.of(r.decision().plan().services().get(service)).equals(success.get(0))
        || !Objects.equals(r.observed().serviceRestarts().get(service), success.get(1)));
  }

  /** A Job service the written status calls Completed: what it completed with. */
  private void recordSuccesses(SimOperator.Reconcile r) {
    if (r.statusAfter() == null) {
      return;
    }
    r.statusAfter().getServices().forEach((service, s) -> {
      GroupPlan.ServicePlan plan = r.decision().plan().services().get(service);
      if (s.getPhase() != ServicePhase.Completed || plan == null || plan.spec().kind() != WorkloadKind.Job
          || succeeded.containsKey(service)) {
        return;
      }
      Workload w = r.observed().workloads().get(service);
      String hash = w != null && w.object() instanceof Job job && SimCluster.complete(job)
          ? w.annotation(Names.SPEC_HASH) : TemplateHash.of(plan);
      succeeded.put(service, java.util.Arrays.asList(hash, r.observed().serviceRestarts().get(service)));
    });
  }

  /** Every claim gone was deleted by the StatefulSet controller or the garbage collector, as the user's retention policy says. */
  private void dataKept(SimWorld world) {
    SimCluster cluster = world.cluster;
    if (cluster.claimsEver.isEmpty()) {
      return;
    }
    List<SimCluster.ClaimDeleted> deletions = cluster.claimDeletions;
    for (; claimDeletionsSeen < deletions.size(); claimDeletionsSeen++) {
      SimCluster.ClaimDeleted deleted = deletions.get(claimDeletionsSeen);
      StatefulSetPersistentVolumeClaimRetentionPolicy policy = policies.get(deleted.service());
      String asked = deleted.why() == SimCluster.ClaimDeletion.STATEFULSET_DELETED
          ? (policy == null ? null : policy.getWhenDeleted()) : (policy == null ? null : policy.getWhenScaled());
      check("Delete".equals(asked), Name.DATA_KEPT, "claim " + deleted.claim() + " of " + deleted.service() + " was deleted ("
          + deleted.why() + ") though the service's retention policy says " + policy + ": its data went with it");
    }
    Set<String> gone = new TreeSet<>(cluster.claimsEver);
    gone.removeAll(cluster.claims.keySet());
    deletions.forEach(d -> gone.remove(d.claim()));
    check(gone.isEmpty(), Name.DATA_KEPT, "claims " + gone + " were deleted, not by the StatefulSet controller: "
        + "nothing else may delete a group's data");
  }

  /** A Job service's restart: charged to Jobs whose failure no restart was counted for before. */
  private void jobRestartCount(SimWorld world, String service, int restart, List<String> fresh) {
    Set<String> jobs = new TreeSet<>();
    fresh.forEach(k -> {
      String uid = world.cluster.jobOf.get(k);
      if (uid != null) {
        jobs.add(uid);
      }
    });
    check(!jobs.isEmpty(), Name.JOB_RESTART_COUNT, service + ": restart " + restart + " of a Job service counted for no "
        + "failed Job (newly counted: " + fresh + ")");
    Set<String> charged = chargedJobs.computeIfAbsent(service, k -> new HashSet<>());
    Set<String> again = new TreeSet<>(jobs);
    again.retainAll(charged);
    check(again.isEmpty(), Name.JOB_RESTART_COUNT, service + ": restart " + restart + " counted for Job(s) " + again
        + ", whose failure a restart was counted for already (newly counted: " + fresh + ")");
    charged.addAll(jobs);
  }

  // ---- liveness -------------------------------------------------------------------------------------

  void liveness(SimWorld world, int rounds) {
    Optional<String> missing = endState(world);
    check(missing.isEmpty(), Name.LIVENESS, "after " + rounds + " calm rounds the group has not reached its end state: "
        + missing.orElse(""));
  }

  /** Why the group is not in its end state, or empty. */
  Optional<String> endState(SimWorld world) {
    SimCluster cluster = world.cluster;
    if (!cluster.exists) {
      return Optional.empty();
    }
    if (cluster.deleting) {
      return Optional.of("deleted, but its finalizer is still there (" + describe(cluster) + ")");
    }
    RunnerGroupStatus status = cluster.status;
    if (status == null) {
      return Optional.of("no status");
    }
    if (!Objects.equals(status.getObservedGeneration(), cluster.generation)) {
      return Optional.of("observedGeneration " + status.getObservedGeneration() + " of " + cluster.generation);
    }
    GroupPlan plan = GroupPlan.of(SimCluster.GROUP, cluster.spec);
    if (!plan.valid()) {
      return status.getPhase() == GroupPhase.Invalid ? Optional.empty() : Optional.of("invalid spec, phase " + status.getPhase());
    }
    if (Boolean.TRUE.equals(cluster.spec.getSuspend())) {
      List<String> running = new ArrayList<>();
      cluster.workloads.values().stream().filter(SimCluster::owned)
          .filter(d -> Workload.of(d).replicas() != null && Workload.of(d).replicas() > 0)
          .forEach(d -> running.add(d.getMetadata().getName()));
      return status.getPhase() == GroupPhase.Suspended && running.isEmpty() ? Optional.empty()
          : Optional.of("suspended, phase " + status.getPhase() + ", still scaled up: " + running);
    }
    Set<String> blocked = new HashSet<>();
    List<String> problems = new ArrayList<>();
    for (List<String> wave : plan.graph().startWaves()) {
      for (String service : wave) {
        ServiceStatus s = status.getServices().get(service);
        HasMetadata d = cluster.owned(service);
        if (s == null) {
          problems.add(service + ": no status");
          continue;
        }
        switch (s.getPhase()) {
          case Ready -> {
            notHealthy(d, plan.services().get(service).replicas())
                .ifPresent(why -> problems.add(service + ": Ready, but its workload is not healthy: " + why));
            if (d instanceof StatefulSet && !(cluster.services.get(d.getMetadata().getName()) != null
                && SimCluster.owned(cluster.services.get(d.getMetadata().getName())))) {
              problems.add(service + ": Ready, but its StatefulSet's headless Service is not there");
            }
          }
          case Failed, Completed -> {
            if (s.getPhase() == ServicePhase.Failed) {
              blocked.add(service); // a Completed service is a met dependency: nothing may wait for it
            }
            Integer replicas = d == null ? null : Workload.of(d).replicas();
            if (d != null && replicas != null && replicas != 0) {
              problems.add(service + ": " + s.getPhase() + ", but its " + d.getKind() + " asks for " + replicas + " replicas");
            }
          }
          case Waiting -> {
            if (s.getWaitingFor().isEmpty() || !blocked.containsAll(s.getWaitingFor())) {
              problems.add(service + ": Waiting for " + s.getWaitingFor());
            }
            blocked.add(service);
          }
          default -> problems.add(service + ": " + s.getPhase() + " (" + s.getError() + ")");
        }
      }
    }
    cluster.workloads.values().stream().filter(SimCluster::owned)
        .filter(d -> !plan.services().containsKey(SimCluster.service(d)))
        .forEach(d -> problems.add("the " + d.getKind() + " of removed service " + SimCluster.service(d) + " is still there"));
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  private static String describe(SimCluster cluster) {
    List<String> left = new ArrayList<>();
    cluster.workloads.values().stream().filter(SimCluster::owned).forEach(d -> left.add(d.getMetadata().getName()));
    left.add(cluster.pods.size() + " pod(s)");
    return "left: " + left + ", phase " + (cluster.status == null ? null : cluster.status.getPhase())
        + (cluster.status == null ? "" : ", " + cluster.status.getMessage());
  }
}
