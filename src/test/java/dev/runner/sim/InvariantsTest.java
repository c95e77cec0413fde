package dev.runner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartConfig;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupPlan;
import dev.runner.core.Observed;
import dev.runner.core.Supervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Each invariant can fail: a Supervisor made wrong on purpose (a mutant of its output) is caught
 * by that invariant within a few hundred worlds of fixed seeds. An invariant no mutant breaks would
 * be a check that cannot fail.
 */
class InvariantsTest {
  private static final int WORLDS = 400;

  /** The first violation of {@code name} in worlds 1..WORLDS run against the mutant. */
  private static Optional<Invariants.Violation> caught(Invariants.Name name, Function<Supervisor, SimOperator.Decider> mutant) {
    return caught(name, mutant, Simulation::generate);
  }

  private static Optional<Invariants.Violation> caught(Invariants.Name name, Function<Supervisor, SimOperator.Decider> mutant,
      java.util.function.LongFunction<Simulation.Script> worlds) {
    for (long seed = 1; seed <= WORLDS; seed++) {
      Optional<Invariants.Violation> found = Simulation.run(worlds.apply(seed), mutant).violation();
      if (found.isPresent() && found.get().name == name) {
        return found;
      }
    }
    return Optional.empty();
  }

  /** A mutant that rewrites the real decision. */
  private static Function<Supervisor, SimOperator.Decider> rewriting(java.util.function.BiFunction<Observed, Decision, Decision> change) {
    return supervisor -> new SimOperator.Decider() {
      @Override
      public Decision decide(Observed observed) {
        return change.apply(observed, supervisor.decide(observed));
      }

      @Override
      public Decision refused(Observed observed, Decision decision, Map<String, String> refusals) {
        return supervisor.refused(observed, decision, refusals);
      }
    };
  }

  private static Decision withActions(Decision d, List<Action> actions) {
    return new Decision(d.plan(), List.copyOf(actions), d.status(), d.events(), d.requeueAfter(), d.stopped());
  }

  private static void assertCaught(Invariants.Name name, Function<Supervisor, SimOperator.Decider> mutant) {
    assertCaught(name, mutant, Simulation::generate);
  }

  private static void assertCaught(Invariants.Name name, Function<Supervisor, SimOperator.Decider> mutant,
      java.util.function.LongFunction<Simulation.Script> worlds) {
    Optional<Invariants.Violation> violation = caught(name, mutant, worlds);
    assertThat(violation).as("a violation of " + name + " within " + WORLDS + " worlds").isPresent();
    assertThat(violation.get().getMessage()).startsWith(name + ": ");
  }

  @Test
  void startGatedCatchesAStartThatIgnoresDependencies() {
    assertCaught(Invariants.Name.START_GATED, rewriting((o, d) -> {
      List<Action> actions = new ArrayList<>(d.actions());
      d.status().getServices().forEach((service, s) -> {
        if (s.getPhase() == ServicePhase.Waiting && !o.workloads().containsKey(service) && !o.foreign().contains(service)
            && actions.stream().noneMatch(a -> a.service().equals(service))) {
          actions.add(new Action.Create(service, 1));
        }
      });
      return withActions(d, actions);
    }));
  }

  @Test
  void stopOrderedCatchesEveryServiceStoppedAtOnce() {
    assertCaught(Invariants.Name.STOP_ORDERED, rewriting((o, d) -> {
      if (!o.deleting()) {
        return d;
      }
      List<Action> actions = new ArrayList<>();
      o.workloads().forEach((service, w) -> actions.add(w.replicas() != null && w.replicas() > 0 && w.kind() != WorkloadKind.Job
          ? new Action.Scale(service, 0) : new Action.Delete(service)));
      return withActions(d, actions);
    }));
  }

  @Test
  void restartCountCatchesARestartCountedTwice() {
    assertCaught(Invariants.Name.RESTART_COUNT, rewriting((o, d) -> {
      d.status().getServices().forEach((service, s) -> {
        var before = o.previous() == null ? null : o.previous().getServices().get(service);
        if (before != null && s.getRestarts() > before.getRestarts()) {
          s.setRestarts(s.getRestarts() + 1);
        }
      });
      return d;
    }));
  }

  @Test
  void backoffRespectedCatchesARestartBeforeItsTime() {
    assertCaught(Invariants.Name.BACKOFF_RESPECTED, rewriting((o, d) -> {
      List<Action> actions = new ArrayList<>(d.actions());
      d.status().getServices().forEach((service, s) -> {
        var deployment = SimOperator.deployments(o).get(service);
        if (s.getPhase() == ServicePhase.BackingOff && deployment != null && deployment.getSpec().getReplicas() == 0
            && d.plan().services().containsKey(service)) {
          actions.removeIf(a -> a.service().equals(service));
          actions.add(new Action.Scale(service, d.plan().services().get(service).replicas()));
        }
      });
      return withActions(d, actions);
    }));
  }

  /** One service that crashes on every start, eight times over. */
  private static Simulation.Script crashLoop(long seed) {
    List<SimEvent> events = new ArrayList<>();
    SimEvent.Reconcile reconcile = new SimEvent.Reconcile(SimOperator.Fault.NONE, 0);
    for (int i = 0; i < 8; i++) {
      events.addAll(List.of(reconcile, new SimEvent.Controllers(), new SimEvent.Controllers(), new SimEvent.SyncAll(), reconcile,
          new SimEvent.Exit(0, 0, 1, true), new SimEvent.SyncAll(), reconcile, new SimEvent.Advance(70_000),
          new SimEvent.Controllers(), new SimEvent.SyncAll(), reconcile));
    }
    return new Simulation.Script(seed, 1, events);
  }

  @Test
  void maxRetriesCatchesALimitIgnored() {
    // The decision is made as if every limit were unlimited; it is judged against the real spec.
    assertCaught(Invariants.Name.MAX_RETRIES, supervisor -> new SimOperator.Decider() {
      @Override
      public Decision decide(Observed observed) {
        RunnerGroupSpec unlimited = SimCluster.JSON.clone(observed.spec());
        if (unlimited.getRestartConfig() != null) {
          unlimited.getRestartConfig().setMaxRetries(0);
        }
        unlimited.getServices().forEach(s -> {
          if (s.getRestartConfig() == null) {
            s.setRestartConfig(new RestartConfig());
          }
          s.getRestartConfig().setMaxRetries(0);
        });
        Decision d = supervisor.decide(new Observed(observed.group(), observed.generation(), unlimited, observed.deleting(),
            observed.restartRequest(), observed.serviceRestarts(), observed.previous(), observed.workloads(),
            observed.foreign(), observed.pods(), observed.now(), observed.groups()));
        GroupPlan real = GroupPlan.of(observed.group(), observed.spec());
        return new Decision(real.valid() ? real : d.plan(), d.actions(), d.status(), d.events(), d.requeueAfter(), d.stopped());
      }

      @Override
      public Decision refused(Observed observed, Decision decision, Map<String, String> refusals) {
        return supervisor.refused(observed, decision, refusals);
      }
    }, InvariantsTest::crashLoop);
  }

  @Test
  void foreignUntouchedCatchesAWriteToAnotherOwnersDeployment() {
    assertCaught(Invariants.Name.FOREIGN_UNTOUCHED, rewriting((o, d) -> {
      List<Action> actions = new ArrayList<>(d.actions());
      o.foreign().forEach(service -> actions.add(new Action.Scale(service, 0)));
      return withActions(d, actions);
    }));
  }

  @Test
  void finalizerLastCatchesAFinalizerRemovedTooEarly() {
    assertCaught(Invariants.Name.FINALIZER_LAST, rewriting((o, d) ->
        o.deleting() ? new Decision(d.plan(), d.actions(), d.status(), d.events(), d.requeueAfter(), true) : d));
  }

  @Test
  void invalidChangesNothingCatchesAnInvalidSpecActedOn() {
    assertCaught(Invariants.Name.INVALID_CHANGES_NOTHING, rewriting((o, d) -> {
      if (d.plan().valid() || o.deleting()) {
        return d;
      }
      List<Action> actions = new ArrayList<>(d.actions());
      SimOperator.deployments(o).keySet().forEach(service -> actions.add(new Action.Scale(service, 0)));
      return withActions(d, actions);
    }));
  }

  @Test
  void noOpWritesNothingCatchesAStatusThatChangesEveryTime() {
    int[] calls = {0};
    assertCaught(Invariants.Name.NO_OP_WRITES_NOTHING, rewriting((o, d) -> {
      d.status().setMessage(d.status().getMessage() + " (call " + ++calls[0] + ")");
      return d;
    }));
  }

  @Test
  void livenessCatchesAnOperatorThatNeverCreates() {
    UnaryOperator<List<Action>> noCreates = actions -> actions.stream().filter(a -> !(a instanceof Action.Create)).toList();
    assertCaught(Invariants.Name.LIVENESS, rewriting((o, d) -> withActions(d, noCreates.apply(d.actions()))));
  }

  @Test
  void noCrashCatchesADecisionThatThrows() {
    assertCaught(Invariants.Name.NO_CRASH, rewriting((o, d) -> {
      if (o.deleting()) {
        throw new IllegalStateException("mutant: no decision on deletion");
      }
      return d;
    }));
  }

  @Test
  void completedMeetsDependencyCatchesAServiceThatWaitsForACompletedJob() {
    assertCaught(Invariants.Name.COMPLETED_MEETS_DEPENDENCY, rewriting((o, d) -> {
      List<Action> actions = new ArrayList<>(d.actions());
      d.status().getServices().forEach((service, s) -> {
        GroupPlan.ServicePlan plan = d.plan().services().get(service);
        if (plan == null) {
          return;
        }
        plan.dependsOn().stream().filter(dep -> d.status().getServices().containsKey(dep)
            && d.status().getServices().get(dep).getPhase() == ServicePhase.Completed).findFirst().ifPresent(dep -> {
              s.setPhase(ServicePhase.Waiting);
              s.setWaitingFor(List.of(dep));
              actions.removeIf(a -> a.service().equals(service));
            });
      });
      return withActions(d, actions);
    }));
  }

  @Test
  void jobNotRerunCatchesACompletedJobRunAgain() {
    assertCaught(Invariants.Name.JOB_NOT_RERUN, rewriting((o, d) -> {
      List<Action> actions = new ArrayList<>(d.actions());
      d.status().getServices().forEach((service, s) -> {
        var before = o.previous() == null ? null : o.previous().getServices().get(service);
        var job = o.workloads().get(service);
        if (s.getPhase() == ServicePhase.Completed && before != null && before.getPhase() == ServicePhase.Completed
            && job != null && job.kind() == WorkloadKind.Job && job.healthy(1)) {
          // Re-run at every look at a completed Job (as a resync or an operator restart would, wrongly).
          actions.add(new Action.Delete(service));
          s.setPhase(ServicePhase.BackingOff);
          s.setReason(ServiceReason.RestartStopping);
          s.setHealthy(false);
          s.setNextRestartAt(dev.runner.core.Times.format(o.now()));
        }
      });
      return withActions(d, actions);
    }));
  }

  @Test
  void dataKeptCatchesAShellThatDeletesTheClaimsWithTheStatefulSet() {
    assertCaught(Invariants.Name.DATA_KEPT, supervisor -> SimWorld.real(supervisor, (cluster, action) -> {
      if (action instanceof Action.Delete) {
        String name = SimCluster.deploymentName(action.service());
        cluster.claims.values().removeIf(claim -> claim.statefulSet().equals(name));
      }
    }));
  }

  /** The group's first service started, its pod failing while the delete of its Job fails (so the Job controller marks it Failed). */
  private static Simulation.Script failedJob(long seed) {
    SimEvent.Reconcile reconcile = new SimEvent.Reconcile(SimOperator.Fault.NONE, 0);
    return new Simulation.Script(seed, 1, List.of(reconcile, new SimEvent.Advance(6000), reconcile, new SimEvent.Controllers(),
        new SimEvent.Controllers(), new SimEvent.SyncAll(), new SimEvent.Exit(0, 0, 1, true), new SimEvent.SyncAll(),
        new SimEvent.Reconcile(SimOperator.Fault.WRITE_BEFORE, 0), new SimEvent.Controllers(), new SimEvent.SyncAll(), reconcile,
        new SimEvent.Controllers(), new SimEvent.SyncAll(), reconcile));
  }

  @Test
  void jobRestartCountCatchesAFailedJobCountedTwice() {
    // Its pod's exit was counted; the Job's Failed condition, seen later, is counted as another restart.
    assertCaught(Invariants.Name.JOB_RESTART_COUNT, rewriting((o, d) -> {
      d.status().getServices().forEach((service, s) -> {
        var before = o.previous() == null ? null : o.previous().getServices().get(service);
        var w = o.workloads().get(service);
        if (before != null && w != null && w.object() instanceof io.fabric8.kubernetes.api.model.batch.v1.Job job
            && dev.runner.core.JobHealth.failed(job) && s.getPhase() == ServicePhase.BackingOff
            && s.getRestarts() == before.getRestarts() && before.getRestarts() > 0) {
          String key = "job/" + job.getMetadata().getUid() + "/Failed";
          if (!s.getCountedExits().contains(key)) {
            s.setRestarts(s.getRestarts() + 1);
            List<String> counted = new ArrayList<>(s.getCountedExits());
            counted.add(key);
            s.setCountedExits(counted);
          }
        }
      });
      return d;
    }), InvariantsTest::failedJob);
  }
}
