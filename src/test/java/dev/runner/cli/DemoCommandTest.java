package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The demo end to end, in this process, with plain (non-terminal) output: the bundled example
 * comes up in dependency order and goes down in reverse; a crash is retried with growing delays;
 * a permanent failure ends in Failed. Short startup times and --fast-backoff keep it quick.
 */
class DemoCommandTest {
  private static final Pattern LINE = Pattern.compile("^\\+(\\d+)\\.(\\d{3})s (.*)$");
  private static final Pattern RESTART = Pattern.compile(
      "^api BackingOff: container api exited with code 1 \\(Error\\); restarting in (\\d+(?:\\.\\d+)?)(ms|s) \\(restart (\\d+) of 8\\)$");

  record Run(int exit, String out, String err) {
    /** The timed lines' text, without the time. */
    List<String> lines() {
      List<String> lines = new ArrayList<>();
      out.lines().map(LINE::matcher).filter(Matcher::matches).forEach(m -> lines.add(m.group(3)));
      return lines;
    }

    /** Index of the first timed line starting with {@code prefix}; fails when there is none. */
    int first(String prefix) {
      List<String> lines = lines();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith(prefix)) {
          return i;
        }
      }
      throw new AssertionError("no line starting with \"" + prefix + "\" in:\n" + out);
    }

    int last(String prefix) {
      List<String> lines = lines();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(prefix)) {
          return i;
        }
      }
      throw new AssertionError("no line starting with \"" + prefix + "\" in:\n" + out);
    }
  }

  static Run demo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new DemoCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void bundledExampleComesUpInDependencyOrderAndGoesDownInReverse() {
    Run run = demo("--plain", "--startup", "100ms", "--timeout", "40s");

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.first("applied RunnerGroup default/shop (6 services)")).isZero();
    // Wave 1 ready before wave 2 starts; api after migrate; frontend last.
    int migrate = run.first("migrate Starting");
    int worker = run.first("worker Starting");
    assertThat(run.first("database Ready")).isLessThan(migrate).isLessThan(worker);
    assertThat(run.first("cache Ready")).isLessThan(worker);
    // migrate is a Job: Completed (healthy) once it has succeeded, and api waits for that.
    assertThat(run.first("migrate Completed")).isLessThan(run.first("api Delaying")).isLessThan(run.first("api Starting"));
    assertThat(run.first("worker Ready")).isLessThan(run.first("api Starting"));
    assertThat(run.first("api Ready")).isLessThan(run.first("frontend Starting"));
    assertThat(run.last("frontend Starting")).isGreaterThan(run.last("api Starting"));
    assertThat(run.lines()).anyMatch(l -> l.startsWith("event ServiceStarted: started service database (StatefulSet shop-database)"));
    assertThat(run.lines()).anyMatch(l -> l.startsWith("event ServiceStarted: started service migrate (Job shop-migrate)"));
    assertThat(run.first("group shop Ready (6/6 ready)")).isLessThan(run.first("healthy: all 6 services of shop ready"));
    // Then down, in reverse: frontend before api before migrate and the database.
    int deleting = run.first("deleting RunnerGroup shop");
    assertThat(run.first("frontend Stopped")).isGreaterThan(deleting)
        .isLessThan(run.first("api Stopped"));
    // The Completed Job runs nothing: it is Stopped at once, and deleted after api's Deployment, before database.
    assertThat(run.first("event ServiceStopped: stopped service api"))
        .isLessThan(run.first("event ServiceStopped: stopped service migrate"))
        .isLessThan(run.first("event ServiceStopped: stopped service database"));
    assertThat(run.first("api Stopped")).isLessThan(run.first("database Stopped"));
    assertThat(run.lines()).contains("event GroupStopped: all services stopped in reverse dependency order");
    assertThat(run.first("RunnerGroup shop is gone")).isGreaterThan(run.first("database Stopped"));
    assertThat(run.out().strip().lines().reduce((a, b) -> b).orElseThrow())
        .matches("demo: healthy \\(exit 0\\): all 6 services of shop ready after \\d+\\.\\d{3}s");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void severalGroupsComeUpInTheOrderOfTheirDependsOn() {
    Run run = demo("--plain", "--startup", "200ms", "--timeout", "40s", "examples/storefront.yaml", "examples/platform.yaml");

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.lines()).contains("applied RunnerGroup default/storefront (2 services)",
        "applied RunnerGroup default/platform (2 services)");
    // storefront waits for the group platform; its services start only once platform is Ready.
    assertThat(run.lines()).anyMatch(l -> l.equals("api Waiting: waiting for dependencies: group default/platform"));
    int platformReady = run.first("group default/platform Ready (2/2 ready)");
    assertThat(run.first("api Starting")).isGreaterThan(platformReady);
    assertThat(run.first("web Starting")).isGreaterThan(run.first("api Ready"));
    assertThat(run.first("healthy: all 2 services of storefront ready")).isGreaterThan(platformReady);
    // Both are deleted at the end (a dependency's deletion is not held up by its dependents).
    assertThat(run.lines()).contains("RunnerGroup storefront is gone", "RunnerGroup default/platform is gone");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void crashTwiceIsRestartedWithGrowingDelaysThenHealthy() {
    Run run = demo("--plain", "--startup", "100ms", "--crash", "api=1x2@300ms", "--fast-backoff", "--timeout", "40s");

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    List<Duration> delays = new ArrayList<>();
    List<Integer> restarts = new ArrayList<>();
    for (String line : run.lines()) {
      Matcher m = RESTART.matcher(line);
      if (m.matches()) {
        double value = Double.parseDouble(m.group(1));
        delays.add(Duration.ofMillis(Math.round(m.group(2).equals("s") ? value * 1000 : value)));
        restarts.add(Integer.parseInt(m.group(3)));
      }
    }
    assertThat(restarts).as(run.out()).containsExactly(1, 2);
    // --fast-backoff: 2s/10 = 200ms, then 400ms, each +-25 %: strictly growing.
    assertThat(delays.get(0)).isBetween(Duration.ofMillis(150), Duration.ofMillis(250));
    assertThat(delays.get(1)).isBetween(Duration.ofMillis(300), Duration.ofMillis(500)).isGreaterThan(delays.get(0));
    assertThat(run.lines()).contains("event ServiceRestarted: restarted service api (restart 1)",
        "event ServiceRestarted: restarted service api (restart 2)");
    // Healthy only after the second restart: the first Ready of api came before its crashes.
    int secondRestart = run.first("event ServiceRestarted: restarted service api (restart 2)");
    int healthy = run.first("healthy: all 6 services of shop ready");
    assertThat(run.last("api Ready")).isLessThan(healthy);
    assertThat(run.last("api BackingOff")).isLessThan(secondRestart);
    assertThat(secondRestart).isLessThan(healthy);
    assertThat(run.out()).contains("demo: healthy (exit 0)");
  }

  @Test
  void permanentFailureReachesTheRestartLimitAndFails() {
    Run run = demo("--plain", "--startup", "100ms", "--crash", "migrate=1@200ms", "--fast-backoff", "--timeout", "40s");

    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(DemoCommand.FAILED);
    assertThat(run.lines()).filteredOn(l -> l.startsWith("migrate BackingOff")).hasSize(3);
    assertThat(run.lines()).contains(
        "migrate Failed: restart limit 3 reached (last exit: code 1)",
        "event RestartLimitReached: service migrate: restart limit 3 reached (last exit: code 1)");
    assertThat(run.first("group shop Failed")).isLessThan(run.first("failed: group shop is Failed"));
    // Its dependents never started; the group is still torn down.
    assertThat(run.lines()).noneMatch(l -> l.startsWith("api Starting") || l.startsWith("frontend Starting"));
    assertThat(run.lines()).contains("RunnerGroup shop is gone");
    assertThat(run.out()).contains("demo: failed (exit 1): group shop is Failed after ")
        .contains("restart limit 3 reached");
  }

  @Test
  void optionsNamingNoServiceOrMalformedAreRefusedBeforeAnythingStarts() {
    Run unknown = demo("--plain", "--crash", "payments=1");
    assertThat(unknown.exit()).isEqualTo(DemoCommand.UNUSABLE);
    assertThat(unknown.err()).contains("--crash: the group has no service \"payments\" (it has database, cache, migrate, api, worker, frontend)");
    assertThat(unknown.out()).isEmpty();

    Run malformed = demo("--plain", "--crash", "api=one");
    assertThat(malformed.exit()).isEqualTo(DemoCommand.UNUSABLE);
    assertThat(malformed.err()).contains("\"api=one\" is not SERVICE=CODE[xTIMES][@AFTER]");

    Run badDuration = demo("--plain", "--startup", "db=1.5s");
    assertThat(badDuration.exit()).isEqualTo(DemoCommand.UNUSABLE);
    assertThat(badDuration.err()).contains("\"1.5s\" is not a duration");

    Run missing = demo("--plain", "no-such-file.yaml");
    assertThat(missing.exit()).isEqualTo(DemoCommand.UNUSABLE);
    assertThat(missing.err()).contains("no-such-file.yaml: no such file");
  }
}
