package dev.runner.sim;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.core.Backoff;
import dev.runner.core.Decision;
import dev.runner.core.Observed;
import dev.runner.core.Supervisor;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * One simulated world: the cluster, the operator over its caches, and the invariants, checked
 * after every reconcile. Everything that is random comes from the seed (the group, the jitter of
 * backoffs) or from the events, so a world replays exactly.
 */
final class SimWorld {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  final SimCluster cluster;
  final Invariants invariants = new Invariants();
  SimOperator operator;
  private final Function<Supervisor, SimOperator.Decider> mutant;
  private final SplittableRandom jitter;
  int reconciles;
  /** Its services have every kind (false: Deployments only); services added later too. */
  final boolean kinds;

  /** @param mutant wraps the real Supervisor (identity for the real one) */
  SimWorld(long seed, RunnerGroupSpec spec, boolean kinds, Function<Supervisor, SimOperator.Decider> mutant) {
    this.kinds = kinds;
    this.cluster = new SimCluster(spec, T0);
    this.mutant = mutant;
    this.jitter = new SplittableRandom(seed);
    this.operator = new SimOperator(decider(), cluster);
  }

  static SimOperator.Decider real(Supervisor supervisor) {
    return real(supervisor, (cluster, action) -> { });
  }

  /** The real Supervisor in a shell that also does {@code afterWrite} after each write it makes (a mutant of the shell). */
  static SimOperator.Decider real(Supervisor supervisor, java.util.function.BiConsumer<SimCluster, dev.runner.core.Action> afterWrite) {
    return new SimOperator.Decider() {
      @Override
      public Decision decide(Observed observed) {
        return supervisor.decide(observed);
      }

      @Override
      public Decision refused(Observed observed, Decision decision, Map<String, String> refusals) {
        return supervisor.refused(observed, decision, refusals);
      }

      @Override
      public void afterWrite(SimCluster cluster, dev.runner.core.Action action) {
        afterWrite.accept(cluster, action);
      }
    };
  }

  private SimOperator.Decider decider() {
    return mutant.apply(new Supervisor(new Backoff(jitter::nextDouble)));
  }

  void reconcile(SimOperator.Fault fault, int target) {
    if (!cluster.exists) {
      return;
    }
    reconciles++;
    SimOperator.Reconcile done;
    try {
      done = operator.reconcile(cluster, fault, target);
    } catch (RuntimeException e) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      throw new Invariants.Violation(Invariants.Name.NO_CRASH, "the reconcile threw " + trace);
    }
    if (TRACE.get()) {
      trace(done);
    }
    invariants.afterReconcile(this, done);
  }

  /**
   * {@code -Dsim.trace=true}: the shortest failing sequence is replayed once more with every event
   * and every reconcile printed, as the operator saw and decided it.
   */
  static final ThreadLocal<Boolean> TRACE = ThreadLocal.withInitial(() -> false);

  private void trace(SimOperator.Reconcile r) {
    StringBuilder out = new StringBuilder("  reconcile #" + reconciles + " at " + cluster.now + " gen " + cluster.generation
        + (r.failed() ? " (failed)" : "") + ": " + r.decision().actions() + "\n");
    r.observed().workloads().forEach((s, w) -> out.append("    saw ").append(s).append(" ").append(w.kind()).append(" replicas ")
        .append(w.replicas()).append(" healthy ").append(w.healthy(w.replicas() == null ? 1 : w.replicas()))
        .append(" generation ").append(w.object().getMetadata().getGeneration()).append(" ready ").append(w.readyReplicas())
        .append(" pods ").append(r.observed().podsOf(s).size()).append("\n"));
    if (r.statusAfter() != null) {
      r.statusAfter().getServices().forEach((s, st) -> out.append("    ").append(s).append(": ").append(st.getPhase()).append(" ")
          .append(st.getReason()).append(" restarts ").append(st.getRestarts()).append(" ").append(st.getError()).append("\n"));
    }
    System.out.print(out);
  }

  void restartOperator() {
    operator = new SimOperator(decider(), cluster);
  }

  Optional<String> service(int index) {
    List<ServiceSpec> services = cluster.spec.getServices();
    return services.isEmpty() ? Optional.empty() : Optional.of(services.get(Math.floorMod(index, services.size())).getName());
  }

  Optional<ServiceSpec> serviceSpec(int index) {
    List<ServiceSpec> services = cluster.spec.getServices();
    return services.isEmpty() ? Optional.empty() : Optional.of(services.get(Math.floorMod(index, services.size())));
  }

  Optional<Pod> pod(int service, int index) {
    return service(service).flatMap(s -> {
      List<Pod> running = cluster.runningPods(s);
      return running.isEmpty() ? Optional.empty() : Optional.of(running.get(Math.floorMod(index, running.size())));
    });
  }

  /**
   * The faults stop: the cluster behaves, the watches deliver, and the operator reconciles when it
   * asked to be woken (or a second later). Every group must reach its end state within
   * {@code rounds} rounds; then the invariant LIVENESS is checked.
   */
  void calm(int rounds) {
    for (int i = 0; i < rounds && cluster.exists; i++) {
      cluster.controllers();
      operator.syncAll(cluster);
      reconcile(SimOperator.Fault.NONE, 0);
      if (!cluster.exists) {
        break;
      }
      Decision last = invariants.lastDecision();
      if (last != null && last.actions().isEmpty() && invariants.endState(this).isEmpty()) {
        // Settled: one more round of the cluster must change nothing the operator sees.
        cluster.controllers();
        operator.syncAll(cluster);
        reconcile(SimOperator.Fault.NONE, 0);
        if (invariants.lastDecision().actions().isEmpty() && invariants.endState(this).isEmpty()) {
          return;
        }
      }
      // Kubelet and the controllers act every round whatever the clock says; time matters for the
      // operator's timers, and for pods stuck terminating on a lost node (not waited for after a while).
      long wait = last == null ? 1000 : last.requeueAfter().map(d -> Math.max(1, d.toMillis())).orElse(5000L);
      cluster.now = cluster.now.plusMillis(wait);
    }
    invariants.liveness(this, rounds);
  }
}
