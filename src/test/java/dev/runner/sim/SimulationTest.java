package dev.runner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Runs random worlds against the real Supervisor: {@code -Dsim.worlds=N} worlds (1,000 by
 * default) from seed {@value #DEFAULT_BASE} on, or from {@code -Dsim.base=B} ({@code random}: a
 * random base seed), printed first; {@code -Dsim.seed=S} replays one world. A failure prints the shortest event
 * sequence found that still breaks the invariant.
 */
class SimulationTest {
  static final long DEFAULT_BASE = 30_000;

  @Test
  void everyWorldKeepsEveryInvariant() {
    String replay = System.getProperty("sim.seed");
    int worlds = replay != null ? 1 : Integer.getInteger("sim.worlds", 1000);
    // A fixed range by default, so that a build stays green for reasons of its own; -Dsim.base=random explores.
    String from = System.getProperty("sim.base", String.valueOf(DEFAULT_BASE));
    long base = replay != null ? Long.parseLong(replay)
        : "random".equals(from) ? new SplittableRandom().nextLong() : Long.parseLong(from);
    System.out.printf("simulation: %d world(s) from seed %d (replay one: -Dsim.seed=<seed>; these: -Dsim.base=%d)%n",
        worlds, base, base);
    long started = System.nanoTime();
    List<String> failures = new ArrayList<>();
    long reconciles = 0;
    for (int i = 0; i < worlds && failures.size() < 3; i++) {
      Simulation.Script script = Simulation.generate(base + i);
      long t = System.nanoTime();
      Simulation.Outcome outcome = Simulation.run(script, SimWorld::real);
      reconciles += outcome.reconciles();
      if (Boolean.getBoolean("sim.slow") && System.nanoTime() - t > 500_000_000L) {
        System.out.printf("slow world %d: %d services, %d events, %d reconciles, %.1f s%n", script.seed(), script.services(),
            script.events().size(), outcome.reconciles(), (System.nanoTime() - t) / 1e9);
      }
      outcome.violation().ifPresent(v -> {
        Simulation.Script minimal = Simulation.minimise(script, v.name, SimWorld::real, 1500);
        String report = Simulation.report(script, minimal, v);
        System.out.println(report);
        failures.add(report);
      });
    }
    System.out.printf("simulation: %d world(s), %d reconciles, %.1f s%n", worlds, reconciles, (System.nanoTime() - started) / 1e9);
    assertThat(failures).as("worlds that broke an invariant").isEmpty();
  }
}
