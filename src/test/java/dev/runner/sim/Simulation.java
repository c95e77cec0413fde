package dev.runner.sim;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.core.Supervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Worlds from seeds, run to the end, and the minimiser. A world is its seed, how many of the
 * seed's services it keeps, and its events; {@link #minimise} looks for the shortest event
 * sequence (and the fewest services) that still breaks the same invariant: delta debugging
 * (Zeller's ddmin) over the event list, then fewer services, then the events again. Why not
 * jqwik's shrinking: the world is already a deterministic function of (seed, events), events are
 * chosen by index modulo what exists, so every subsequence is a valid world; ddmin over that list is
 * the whole of the shrinking, with no generator combinators to keep shrinkable and no dependency.
 */
final class Simulation {
  /** Calm rounds a world is given to reach its end state once the faults stop. */
  static final int CALM_ROUNDS = 400;
  /** How long the minimiser may look for a shorter sequence (it stops earlier after its run budget). */
  static final int MINIMISE_SECONDS = 30;

  /** The salt of the generator that draws the services' kinds (see {@link RandomGroups#spec}). */
  static final long KINDS = 0x6B696E6473L;

  /**
   * A world: its seed, how many of the seed's services it keeps, its events, and whether its
   * services have every kind ({@code false}: all Deployments, as the worlds before the kinds were).
   */
  record Script(long seed, int services, List<SimEvent> events, boolean kinds) {
    Script(long seed, int services, List<SimEvent> events) {
      this(seed, services, events, true);
    }

    /** A world as it was played before the kinds: every service a Deployment. */
    static Script deploymentsOnly(long seed, int services, List<SimEvent> events) {
      return new Script(seed, services, events, false);
    }

    Script with(List<SimEvent> events) {
      return new Script(seed, services, events, kinds);
    }

    Script withServices(int services) {
      return new Script(seed, services, events, kinds);
    }
  }

  /** What a run found: the invariant that broke (or none), and how much the world did. */
  record Outcome(Optional<Invariants.Violation> violation, int reconciles) {}

  private Simulation() {}

  static Script generate(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int services = RandomGroups.size(random);
    random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int count = 20 + random.nextInt(120);
    List<SimEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(SimEvent.random(random));
    }
    return new Script(seed, services, events);
  }

  /** The seed's group, with its first {@code services} services (they depend only on those before them). */
  static RunnerGroupSpec spec(long seed, int services, boolean kinds) {
    SplittableRandom random = new SplittableRandom(seed);
    RandomGroups.size(random); // the seed's own size was drawn first: the services come after it
    return RandomGroups.spec(random, kinds ? new SplittableRandom(seed ^ KINDS) : null, services);
  }

  static Outcome run(Script script, Function<Supervisor, SimOperator.Decider> mutant) {
    SimWorld world = new SimWorld(script.seed(), spec(script.seed(), script.services(), script.kinds()), script.kinds(), mutant);
    try {
      for (SimEvent event : script.events()) {
        if (SimWorld.TRACE.get()) {
          System.out.println(event);
        }
        event.apply(world);
      }
      world.calm(CALM_ROUNDS);
      return new Outcome(Optional.empty(), world.reconciles);
    } catch (Invariants.Violation violation) {
      return new Outcome(Optional.of(violation), world.reconciles);
    }
  }

  /** The shortest script found that still breaks the same invariant, within {@code budget} runs. */
  static Script minimise(Script failing, Invariants.Name name, Function<Supervisor, SimOperator.Decider> mutant, int budget) {
    int[] runs = {0};
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(MINIMISE_SECONDS);
    java.util.function.Predicate<Script> fails = s -> {
      if (++runs[0] >= budget || System.nanoTime() > deadline) {
        runs[0] = budget; // out of time: what was found so far is the answer
      }
      return run(s, mutant).violation().map(v -> v.name == name).orElse(false);
    };
    Script best = ddmin(failing, fails, runs, budget);
    for (int services = 1; services < best.services() && runs[0] < budget; services++) {
      if (fails.test(best.withServices(services))) {
        best = ddmin(best.withServices(services), fails, runs, budget);
        break;
      }
    }
    return best;
  }

  private static Script ddmin(Script script, java.util.function.Predicate<Script> fails, int[] runs, int budget) {
    List<SimEvent> events = script.events();
    int n = 2;
    while (events.size() >= 2 && runs[0] < budget) {
      int chunk = (int) Math.ceil(events.size() / (double) n);
      boolean reduced = false;
      for (int start = 0; start < events.size() && runs[0] < budget; start += chunk) {
        List<SimEvent> complement = new ArrayList<>(events.subList(0, start));
        complement.addAll(events.subList(Math.min(events.size(), start + chunk), events.size()));
        if (fails.test(script.with(complement))) {
          events = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (n >= events.size()) {
          break;
        }
        n = Math.min(events.size(), n * 2);
      }
    }
    return script.with(events);
  }

  /** A failure as a user reads it: the invariant, the group, the events, and how to replay it. */
  static String report(Script original, Script minimal, Invariants.Violation violation) {
    StringBuilder out = new StringBuilder();
    out.append("world seed ").append(original.seed()).append(" broke ").append(violation.getMessage()).append('\n');
    out.append("  replay: mvn -B -o test -Dtest=SimulationTest -Dsim.seed=").append(original.seed()).append('\n');
    out.append("  shortest event sequence found: ").append(minimal.events().size()).append(" of ")
        .append(original.events().size()).append(" events, ").append(minimal.services()).append(" of ")
        .append(original.services()).append(" services\n");
    out.append("  group:\n");
    for (ServiceSpec s : spec(minimal.seed(), minimal.services(), minimal.kinds()).getServices()) {
      out.append("    ").append(s.getName()).append(" ").append(s.kind()).append(" dependsOn ").append(s.getDependsOn())
          .append(" replicas ").append(s.getReplicas() == null ? 1 : s.getReplicas())
          .append(s.getStartDelay() == null ? "" : " startDelay " + s.getStartDelay())
          .append(s.getRestartConfig() == null ? "" : " restart " + describe(s.getRestartConfig()))
          .append(s.getPersistentVolumeClaimRetentionPolicy() == null ? "" : " retention " + s.getPersistentVolumeClaimRetentionPolicy())
          .append(s.getActiveDeadlineSeconds() == null ? "" : " activeDeadlineSeconds " + s.getActiveDeadlineSeconds())
          .append(s.getTemplate().getSpec().getInitContainers().stream().map(c -> " +" + c.getName()).collect(Collectors.joining()))
          .append('\n');
    }
    out.append("  events:\n");
    for (int i = 0; i < minimal.events().size(); i++) {
      out.append("    ").append(i + 1).append(". ").append(minimal.events().get(i)).append('\n');
    }
    SimWorld.TRACE.set(Boolean.getBoolean("sim.trace"));
    Optional<Invariants.Violation> again;
    try {
      again = run(minimal, SimWorld::real).violation();
    } finally {
      SimWorld.TRACE.set(false);
    }
    out.append("  the shortest sequence breaks: ").append(again.map(Throwable::getMessage).orElse("(nothing: minimised with a mutant)"));
    return out.toString();
  }

  private static String describe(dev.runner.api.RestartConfig c) {
    return "{policy " + c.getPolicy() + ", maxRetries " + c.getMaxRetries() + ", backoff " + c.getInitialBackoff() + ".."
        + c.getMaxBackoff() + " x" + c.getMultiplier() + ", jitter " + c.getJitter() + ", resetAfter " + c.getResetAfter() + "}";
  }
}
