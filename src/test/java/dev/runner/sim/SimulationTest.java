package dev.runner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Runs random worlds against the real Supervisor: {@code -Dsim.worlds=N} worlds (1,000 by
 * default) from seed {@value #DEFAULT_BASE} on, or from {@code -Dsim.base=B} ({@code random}: a
 * random base seed), printed first; {@code -Dsim.seed=S} replays one world. A failure prints the shortest event
 * sequence found that still breaks the invariant. {@code -Dsim.threads=T} runs T worlds at a time
 * (1 by default); the worlds are independent, and what is printed (failures, progress) comes in
 * seed order whatever the threads, so a run reads the same with one thread or several. A run stops
 * at its third failing world in seed order ({@code -Dsim.failures=N}: its Nth).
 */
class SimulationTest {
  static final long DEFAULT_BASE = 30_000;
  /** A run stops after this many failing worlds ({@code -Dsim.failures=N}; 3 by default). */
  private static final int FAILURES_MAX = Integer.getInteger("sim.failures", 3);
  /** With {@code -Dsim.worlds} above this, a line of progress every this many worlds. */
  private static final int PROGRESS_EVERY = Integer.getInteger("sim.progress", 1000);

  /**
   * Prints a line, and appends it to the file {@code -Dsim.log} names, if any, at once (surefire
   * buffers a test's output: a long soak's progress can be followed there, and is not lost when
   * the soak is stopped).
   */
  private static void print(String line) {
    System.out.println(line);
    String log = System.getProperty("sim.log");
    if (log != null) {
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(log), line + System.lineSeparator(),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** What one world gave: its reconciles and, when it broke an invariant, the report of its shortest sequence. */
  private record World(long seed, int reconciles, Optional<String> failure) {}

  private static World run(long seed) {
    Simulation.Script script = Simulation.generate(seed);
    long t = System.nanoTime();
    Simulation.Outcome outcome = Simulation.run(script, SimWorld::real);
    if (Boolean.getBoolean("sim.slow") && System.nanoTime() - t > 500_000_000L) {
      System.out.printf("slow world %d: %d services, %d events, %d reconciles, %.1f s%n", script.seed(), script.services(),
          script.events().size(), outcome.reconciles(), (System.nanoTime() - t) / 1e9);
    }
    return new World(seed, outcome.reconciles(), outcome.violation().map(v ->
        Simulation.report(script, Simulation.minimise(script, v.name, SimWorld::real, 1500), v)));
  }

  @Test
  void everyWorldKeepsEveryInvariant() throws InterruptedException, ExecutionException {
    String replay = System.getProperty("sim.seed");
    int worlds = replay != null ? 1 : Integer.getInteger("sim.worlds", 1000);
    int threads = Math.max(1, Integer.getInteger("sim.threads", 1));
    // A fixed range by default, so that a build stays green for reasons of its own; -Dsim.base=random explores.
    String from = System.getProperty("sim.base", String.valueOf(DEFAULT_BASE));
    long base = replay != null ? Long.parseLong(replay)
        : "random".equals(from) ? new SplittableRandom().nextLong() : Long.parseLong(from);
    print(String.format("simulation: %d world(s) from seed %d on %d thread(s) (replay one: -Dsim.seed=<seed>; these: -Dsim.base=%d)",
        worlds, base, threads, base));
    long started = System.nanoTime();
    List<String> failures = new ArrayList<>();
    long reconciles = 0;
    int done = 0;
    ExecutorService pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
      Thread thread = new Thread(r, "simulation");
      thread.setDaemon(true);
      return thread;
    });
    // Worlds are handed out in seed order and taken back in seed order, a few per thread ahead.
    Deque<Future<World>> ahead = new ArrayDeque<>();
    int next = 0;
    try {
      while (done < worlds && failures.size() < FAILURES_MAX) {
        while (pool != null && next < worlds && ahead.size() < 4 * threads) {
          long seed = base + next++;
          ahead.add(pool.submit(() -> run(seed)));
        }
        World world = pool == null ? run(base + done) : ahead.removeFirst().get();
        done++;
        reconciles += world.reconciles();
        world.failure().ifPresent(report -> {
          print(report);
          failures.add(report);
        });
        if (worlds > PROGRESS_EVERY && done % PROGRESS_EVERY == 0) {
          print(String.format("simulation: %d of %d world(s) (to seed %d), %d reconciles, %d failing, %.1f s", done, worlds,
              world.seed(), reconciles, failures.size(), (System.nanoTime() - started) / 1e9));
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    print(String.format("simulation: %d world(s), %d reconciles, %.1f s", done, reconciles, (System.nanoTime() - started) / 1e9));
    assertThat(failures).as("worlds that broke an invariant").isEmpty();
  }
}
