package dev.runner.view;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.core.Backoff;
import dev.runner.core.Durations;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.RestartSettings;
import dev.runner.sandbox.Behavior;
import dev.runner.sandbox.SimulatedKubelet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code demo}'s options ask of the simulated kubelet, per service: startup time, crashes,
 * image pull errors, never ready. Parsed from the command line, checked against the group, then
 * applied to the kubelet for the Deployments {@code <group>-<service>}.
 */
public final class Simulation {
  /** How long a pod of a service without its own --startup takes to become ready. */
  public static final Duration DEFAULT_STARTUP = Duration.ofSeconds(1);
  /** How long a crashing container runs before it exits, when --crash does not say. */
  public static final Duration DEFAULT_CRASH_AFTER = Duration.ofSeconds(1);
  /** How long a deleted pod takes to go away: long enough to see the stop order. */
  public static final Duration TERMINATION = Duration.ofMillis(300);
  /** --fast-backoff divides every backoff by this. */
  public static final int FAST_BACKOFF_DIVISOR = 10;

  /** {@code --startup [SERVICE=]DURATION}; service null: the default of every service. */
  public record Startup(String service, Duration time) {}

  /** {@code --crash SERVICE=CODE[xTIMES][@AFTER]}; times -1: every start. */
  public record Crash(String service, int code, int times, Duration after) {
    public boolean permanent() {
      return times < 0;
    }
  }

  /** {@code --image-pull-error SERVICE[=MESSAGE]}. */
  public record PullError(String service, String message) {}

  private final Duration defaultStartup;
  private final Map<String, Duration> startups = new LinkedHashMap<>();
  private final Map<String, Crash> crashes = new LinkedHashMap<>();
  private final Map<String, String> pullErrors = new LinkedHashMap<>();
  private final Set<String> neverReady = new LinkedHashSet<>();

  public Simulation(List<Startup> startups, List<Crash> crashes, List<PullError> pullErrors, List<String> neverReady) {
    Duration fallback = DEFAULT_STARTUP;
    for (Startup s : startups) {
      if (s.service() == null) {
        fallback = s.time();
      } else {
        this.startups.put(s.service(), s.time());
      }
    }
    this.defaultStartup = fallback;
    crashes.forEach(c -> this.crashes.put(c.service(), c));
    pullErrors.forEach(p -> this.pullErrors.put(p.service(), p.message()));
    this.neverReady.addAll(neverReady);
  }

  public Map<String, Crash> crashes() {
    return crashes;
  }

  /** Every option naming a service the group does not have, as "--crash: no service \"x\"". */
  public List<String> unknownServices(Set<String> services) {
    List<String> errors = new ArrayList<>();
    check("--startup", startups.keySet(), services, errors);
    check("--crash", crashes.keySet(), services, errors);
    check("--image-pull-error", pullErrors.keySet(), services, errors);
    check("--never-ready", neverReady, services, errors);
    return errors;
  }

  private static void check(String option, Set<String> named, Set<String> services, List<String> errors) {
    for (String name : named) {
      if (!services.contains(name)) {
        errors.add(option + ": the group has no service \"" + name + "\" (it has " + String.join(", ", services) + ")");
      }
    }
  }

  /** Tells the kubelet how each service's pods behave. {@code replicas} by service. */
  public void apply(SimulatedKubelet kubelet, String namespace, String group, Map<String, Integer> replicas) {
    kubelet.defaults(Behavior.builder().startupTime(defaultStartup).terminationTime(TERMINATION).build());
    for (String service : replicas.keySet()) {
      Behavior behavior = behavior(service, replicas.get(service));
      if (behavior != null) {
        kubelet.behave(namespace, Names.deploymentName(group, service), behavior);
      }
    }
  }

  /** The service's own behaviour, or null when it has nothing special. */
  public Behavior behavior(String service, int replicas) {
    if (!startups.containsKey(service) && !crashes.containsKey(service) && !pullErrors.containsKey(service)
        && !neverReady.contains(service)) {
      return null;
    }
    Behavior.Builder b = Behavior.builder()
        .startupTime(startups.getOrDefault(service, defaultStartup))
        .terminationTime(TERMINATION)
        .neverReady(neverReady.contains(service))
        .imagePullError(pullErrors.get(service));
    Crash crash = crashes.get(service);
    if (crash != null) {
      // The kubelet counts container starts over all pods of the Deployment; a start of the
      // service starts all its replicas, so "the first N starts" of it are N x replicas.
      b.exit(crash.after(), crash.code(), crash.permanent() ? -1 : crash.times() * Math.max(1, replicas));
    }
    return b.build();
  }

  /** Startup time of a service's pods. */
  public Duration startup(String service) {
    return startups.getOrDefault(service, defaultStartup);
  }

  /**
   * --fast-backoff: every service gets its resolved initialBackoff and maxBackoff divided by
   * {@link #FAST_BACKOFF_DIVISOR} (in whole milliseconds), the rest of its restartConfig as it was.
   */
  public static void fastBackoff(RunnerGroupSpec spec, GroupPlan plan) {
    for (ServiceSpec service : spec.getServices()) {
      GroupPlan.ServicePlan resolved = plan.services().get(service.getName());
      if (resolved == null) {
        continue;
      }
      RestartConfig config = service.getRestartConfig() == null ? new RestartConfig() : service.getRestartConfig();
      config.setInitialBackoff(divided(resolved.restart().initialBackoff()));
      config.setMaxBackoff(divided(resolved.restart().maxBackoff()));
      service.setRestartConfig(config);
    }
  }

  private static String divided(Duration d) {
    long millis = d.toMillis() / FAST_BACKOFF_DIVISOR;
    return (millis == 0 && !d.isZero() ? 1 : millis) + "ms";
  }

  /**
   * Warnings for crashes on every start that will not reach the restart limit within the timeout
   * (so the user can choose --fast-backoff or a longer --timeout before waiting for nothing).
   */
  public List<String> notes(GroupPlan plan, Duration timeout) {
    List<String> notes = new ArrayList<>();
    for (Crash crash : crashes.values()) {
      GroupPlan.ServicePlan service = plan.services().get(crash.service());
      if (service == null || !crash.permanent()) {
        continue;
      }
      RestartSettings restart = service.restart();
      if (crash.code() == 0 && restart.policy() == RestartPolicy.OnFailure) {
        continue;
      }
      if (restart.policy() == RestartPolicy.Never) {
        continue;
      }
      if (restart.unlimited()) {
        notes.add("note: " + crash.service() + " restarts without limit (maxRetries 0), so it never becomes Failed: "
            + "the demo ends at --timeout " + Durations.format(timeout));
        continue;
      }
      Duration total = Duration.ZERO;
      Backoff backoff = new Backoff(() -> 0.5);
      Duration run = startup(crash.service()).plus(crash.after());
      for (int attempt = 0; attempt < restart.maxRetries(); attempt++) {
        total = total.plus(backoff.delay(restart, attempt)).plus(run);
      }
      total = total.plus(run);
      if (total.compareTo(timeout) > 0) {
        notes.add("note: " + crash.service() + " restarts up to " + restart.maxRetries() + " times, "
            + Durations.format(restart.initialBackoff()) + " to " + Durations.format(restart.maxBackoff())
            + " apart: it reaches its restart limit after about " + Durations.format(total.withNanos(0))
            + ", beyond --timeout " + Durations.format(timeout) + "; add --fast-backoff (backoffs / "
            + FAST_BACKOFF_DIVISOR + ") or a longer --timeout");
      }
    }
    return notes;
  }
}
