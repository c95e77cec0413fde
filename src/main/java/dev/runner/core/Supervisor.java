package dev.runner.core;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The decision, as a pure function: (spec, observed workloads and Pods, previous status, now)
 * to (changes, new status, events, when to look again). No client, no clock but the one in
 * {@link Observed}, no state between calls.
 */
public final class Supervisor {
  private final Backoff backoff;

  public Supervisor(Backoff backoff) {
    this.backoff = backoff;
  }

  public Decision decide(Observed observed) {
    RunnerGroupStatus previous = observed.previous() == null ? new RunnerGroupStatus() : observed.previous();
    GroupPlan plan = GroupPlan.of(observed.group(), observed.spec());
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(observed.generation());
    status.setRestartRequest(observed.restartRequest());
    status.setStartOrder(plan.valid() ? plan.graph().startWaves() : previous.getStartOrder());
    List<Action> actions = new ArrayList<>();
    // What a stop waits for: not pods that are history, nor pods stuck terminating on a lost node.
    Map<String, List<Pod>> blocking = Pods.blocking(observed.pods(), observed.now());
    List<Instant> wakeAts = new ArrayList<>();
    Set<String> firstStarts = new TreeSet<>();
    boolean stopped = false;
    boolean suspend = observed.spec() != null && Boolean.TRUE.equals(observed.spec().getSuspend());

    if (observed.deleting() || suspend) {
      Set<String> everything = new TreeSet<>(observed.workloads().keySet());
      everything.addAll(plan.valid() ? plan.services().keySet() : previous.getServices().keySet());
      // and any service whose Pods remain (one removed from the spec, its Deployment already gone)
      everything.addAll(blocking.keySet());
      Teardown.Mode mode = observed.deleting() ? Teardown.Mode.DELETE : Teardown.Mode.SCALE_TO_ZERO;
      Set<String> jobs = new TreeSet<>(kinds(plan).entrySet().stream()
          .filter(e -> e.getValue() == dev.runner.api.WorkloadKind.Job).map(Map.Entry::getKey).toList());
      Teardown.Result result = Teardown.stop(everything, mode, observed.workloads(), blocking, previous.getServices(),
          declared(plan), jobs);
      actions.addAll(result.actions());
      Map<String, ServiceStatus> shown = new TreeMap<>(result.statuses());
      carryRefusals(previous.getServices(), shown, actions);
      if (!observed.deleting() && plan.valid()) {
        shown.keySet().retainAll(plan.services().keySet());
      }
      status.setServices(shown);
      stopped = observed.deleting() && result.done();
      GroupSummary.teardown(status, observed.deleting(), result.remaining());
      if (!observed.deleting() && !plan.valid()) {
        GroupSummary.invalid(status, plan.errors());
      }
    } else if (!plan.valid() || !observed.groups().errors().isEmpty()) {
      // An invalid spec (or a cycle between groups) changes nothing that runs: keep what is known and say what is wrong.
      status.setServices(previous.getServices());
      GroupSummary.invalid(status, plan.valid() ? observed.groups().errors() : plan.errors());
    } else {
      run(observed, plan, previous, status, actions, wakeAts, blocking, firstStarts);
      GroupSummary.running(status, plan);
      GroupDependencies.summarize(status, observed.groups());
    }
    GroupSummary.conditions(status, previous, observed.generation(), observed.now());
    GroupDependencies.condition(status, previous, observed.groups(), observed.generation(), observed.now());
    List<EventNote> events = Transitions.between(observed.group(), kinds(plan), previous, status, stopped);
    Optional<Duration> requeue = wakeAts.stream().min(Comparator.naturalOrder())
        .map(at -> ServiceRun.until(observed.now(), at));
    boolean together = !actions.isEmpty()
        && actions.stream().allMatch(a -> a instanceof Action.Create && firstStarts.contains(a.service()))
        && java.util.Objects.equals(observed.restartRequest(), previous.getRestartRequest());
    return new Decision(plan, List.copyOf(actions), status, events, requeue, stopped,
        together ? Decision.Order.TOGETHER : Decision.Order.STATUS_FIRST);
  }

  private void run(Observed observed, GroupPlan plan, RunnerGroupStatus previous, RunnerGroupStatus status,
      List<Action> actions, List<Instant> wakeAts, Map<String, List<Pod>> blocking, Set<String> firstStarts) {
    boolean resetRequested = observed.restartRequest() != null
        && !observed.restartRequest().equals(previous.getRestartRequest());
    Map<String, ServiceStatus> statuses = new TreeMap<>();
    for (List<String> wave : plan.graph().startWaves()) {
      for (String name : wave) {
        GroupPlan.ServicePlan service = plan.services().get(name);
        ServiceStatus before = previous.getServices().get(name);
        ServiceRun.Step step = observed.foreign().contains(name)
            ? ServiceRun.collision(service.spec().kind(), Names.deploymentName(observed.group(), name), before)
            : new ServiceRun(service, observed.workloads().get(name), observed.podsOf(name), before,
                observed.now(), backoff, resetRequested, observed.serviceRestarts().get(name))
                .gatedOn(observed.groups().waitingFor()).decide(statuses);
        statuses.put(name, step.status());
        actions.addAll(step.actions());
        step.wakeAt().ifPresent(wakeAts::add);
        if (step.firstStart()) {
          firstStarts.add(name);
        }
      }
    }
    carryRefusals(previous.getServices(), statuses, actions);
    status.setServices(statuses);
    // Services removed from the spec: stopped (deleted) after whatever still depends on them.
    Set<String> removed = new TreeSet<>(observed.workloads().keySet());
    removed.removeAll(plan.services().keySet());
    blocking.keySet().stream().filter(service -> !plan.services().containsKey(service)).forEach(removed::add);
    if (!removed.isEmpty()) {
      actions.addAll(Teardown.stop(removed, Teardown.Mode.DELETE, observed.workloads(), blocking,
          previous.getServices(), declared(plan)).actions());
    }
  }

  /**
   * A write the API server refused (403, 422) stays that service's error until a write of its
   * workload succeeds: while the decision still wants a write for it, the error is kept as it is,
   * so a retry that is refused again changes no status (and writes none).
   */
  private static void carryRefusals(Map<String, ServiceStatus> previous, Map<String, ServiceStatus> statuses, List<Action> actions) {
    previous.forEach((name, was) -> {
      ServiceStatus now = statuses.get(name);
      if (was.getReason() == ServiceReason.WriteRefused && now != null
          && actions.stream().anyMatch(a -> a.service().equals(name))) {
        now.setReason(ServiceReason.WriteRefused);
        now.setError(was.getError());
        now.setHealthy(false);
      }
    });
  }

  /**
   * The decision once the API server refused some of its writes (403 forbidden, 422 invalid):
   * each refused service's error is the API server's own message, with one Warning event when it
   * is new. Its other writes were made.
   *
   * @param refusals the API server's message, by service
   */
  public Decision refused(Observed observed, Decision decision, Map<String, String> refusals) {
    RunnerGroupStatus status = copy(decision.status());
    Map<String, ServiceStatus> before = observed.previous() == null ? Map.of() : observed.previous().getServices();
    refusals.forEach((service, message) -> {
      // A service the decision no longer lists (removed, its workload's delete refused) keeps what
      // its status held: its restart count is not reset by a refusal.
      ServiceStatus s = status.getServices().computeIfAbsent(service,
          k -> before.containsKey(k) ? ServiceStatuses.copy(before.get(k)) : new ServiceStatus());
      s.setReason(ServiceReason.WriteRefused);
      s.setError(message);
      s.setHealthy(false);
    });
    if (decision.plan().valid() && status.getPhase() != GroupPhase.Stopping && status.getPhase() != GroupPhase.Suspended) {
      GroupSummary.running(status, decision.plan());
    }
    RunnerGroupStatus previous = observed.previous() == null ? new RunnerGroupStatus() : observed.previous();
    GroupSummary.conditions(status, previous, observed.generation(), observed.now());
    List<EventNote> events = Transitions.between(observed.group(), kinds(decision.plan()), decision.status(), status, false);
    return new Decision(decision.plan(), decision.actions(), status, events, decision.requeueAfter(), false, decision.order());
  }

  private static RunnerGroupStatus copy(RunnerGroupStatus from) {
    RunnerGroupStatus to = new RunnerGroupStatus();
    to.setObservedGeneration(from.getObservedGeneration());
    to.setHealthy(from.isHealthy());
    to.setPhase(from.getPhase());
    to.setReady(from.getReady());
    to.setMessage(from.getMessage());
    to.setStartOrder(from.getStartOrder());
    Map<String, ServiceStatus> services = new TreeMap<>();
    from.getServices().forEach((name, s) -> services.put(name, ServiceStatuses.copy(s)));
    to.setServices(services);
    to.setConditions(from.getConditions());
    to.setRestartRequest(from.getRestartRequest());
    return to;
  }

  /** The kind of each service of a valid spec. */
  private static Map<String, dev.runner.api.WorkloadKind> kinds(GroupPlan plan) {
    Map<String, dev.runner.api.WorkloadKind> kinds = new TreeMap<>();
    if (plan.valid()) {
      plan.services().forEach((name, service) -> kinds.put(name, service.spec().kind()));
    }
    return kinds;
  }

  /** The dependencies the spec declares, when it is valid. */
  private static Map<String, List<String>> declared(GroupPlan plan) {
    Map<String, List<String>> declared = new TreeMap<>();
    if (plan.valid()) {
      plan.services().forEach((name, service) -> declared.put(name, service.dependsOn()));
    }
    return declared;
  }
}
