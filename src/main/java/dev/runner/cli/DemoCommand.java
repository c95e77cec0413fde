package dev.runner.cli;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceSpec;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Durations;
import dev.runner.core.GroupPlan;
import dev.runner.reconcile.RunnerOperator;
import dev.runner.sandbox.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The embedded default: an API server (fabric8's mock server, CRUD mode), the simulated kubelet
 * and the real operator in this process; a RunnerGroup applied and shown coming up, then deleted
 * and shown going down in reverse order.
 */
@Command(
    name = "demo",
    description = {
        "Try a RunnerGroup without a cluster: starts, in this process, an API server (fabric8's mock server), "
            + "a simulated kubelet and the operator (the same code as `run`), applies the group from FILE "
            + "(the bundled examples/shop.yaml when none) and shows it coming up live.",
        "On a terminal: a table of the services redrawn in place, and the group's events below it. Otherwise "
            + "(or with --plain): one timestamped line per event and per phase change.",
        "It ends when the group is healthy (exit 0), failed or the timeout passed (exit 1); then it deletes the "
            + "group, shows the services stop in reverse dependency order, and shuts everything down.",
        "A service's pods run as `<group>-<service>`; nothing is really run or pulled: images, commands and "
            + "probes are not looked at."},
    usageHelpAutoWidth = true,
    footerHeading = "%nExamples:%n",
    footer = {
        "  demo                                  the bundled example, up in 6-10s",
        "  demo --startup database=3s            dependents wait for the database",
        "  demo --crash api=1x2                  api exits 1 on its first 2 starts",
        "  demo --crash migrate=1 --fast-backoff restart limit reached, Failed",
        "  demo --image-pull-error worker --timeout 15s",
        "  demo my-group.yaml --plain"},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:the group became healthy (phase Ready)",
        "1:the group failed (phase Failed or Invalid) or --timeout passed first",
        "2:FILE cannot be read or holds no RunnerGroup, or the command line is wrong"})
final class DemoCommand implements Callable<Integer> {
  static final int HEALTHY = 0;
  static final int FAILED = 1;
  static final int UNUSABLE = 2;
  static final String BUNDLED = "/examples/shop.yaml";
  static final String DEFAULT_NAMESPACE = "default";
  /** How long the deleted group gets to stop before the demo shuts down anyway. */
  static final Duration TEARDOWN_TIMEOUT = Duration.ofSeconds(30);
  private static final long TICK_MILLIS = 200;

  @Parameters(arity = "0..1", paramLabel = "FILE",
      description = "A RunnerGroup YAML file (one RunnerGroup). Default: the bundled examples/shop.yaml.")
  Path file;

  @Option(names = "--startup", paramLabel = "[SERVICE=]DURATION", converter = Simulation.StartupConverter.class,
      description = "Time a service's pods take to become ready, e.g. database=3s; without SERVICE= the default of "
          + "every service (1s). Repeatable.")
  List<Simulation.Startup> startups = new ArrayList<>();

  @Option(names = "--crash", paramLabel = "SERVICE=CODE[xTIMES][@AFTER]", converter = Simulation.CrashConverter.class,
      description = "The service's containers exit with CODE after running for AFTER (default 1s): on its first TIMES "
          + "starts (api=1x2: crashes twice, then runs; a start counts all replicas), or on every start without "
          + "xTIMES (worker=1: a permanent failure, ending at the restart limit in Failed). The demo counts the "
          + "group healthy only once the crashes asked for have happened. Repeatable.")
  List<Simulation.Crash> crashes = new ArrayList<>();

  @Option(names = "--image-pull-error", paramLabel = "SERVICE[=MESSAGE]", converter = Simulation.PullErrorConverter.class,
      description = "The service's image cannot be pulled (message default: manifest unknown): it never starts. Repeatable.")
  List<Simulation.PullError> pullErrors = new ArrayList<>();

  @Option(names = "--never-ready", paramLabel = "SERVICE", converter = Simulation.ServiceNameConverter.class,
      description = "The service's pods run but never become ready. Repeatable.")
  List<String> neverReady = new ArrayList<>();

  @Option(names = "--fast-backoff",
      description = "Divide every service's initialBackoff and maxBackoff by " + Simulation.FAST_BACKOFF_DIVISOR
          + " (the example's 2s to 2m becomes 200ms to 12s), so restart limits are reached in seconds.")
  boolean fastBackoff;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
      description = "Give up (exit 1) when the group is not healthy or failed this long after it was applied "
          + "(default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--plain", description = "Timestamped lines even on a terminal (the default when the output is not one).")
  boolean plain;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        Duration d = Durations.parse("duration", value);
        if (d.isZero()) {
          throw new TypeConversionException("\"" + value + "\" must be more than 0s");
        }
        return d;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("\"" + value + "\" is not a duration (use e.g. 30s, 2m, 1m30s)");
      }
    }
  }

  /** What the informers saw, handed to the one thread that shows it. */
  private sealed interface Seen permits StatusSeen, EventSeen, GroupGone {
    long nanos();
  }

  private record StatusSeen(RunnerGroup group, long nanos) implements Seen {}

  private record EventSeen(Event event, long nanos) implements Seen {}

  private record GroupGone(long nanos) implements Seen {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RunnerGroup group;
    try {
      group = load(err);
    } catch (RunnerGroupReader.UnreadableFile e) {
      err.println(e.getMessage());
      err.flush();
      return UNUSABLE;
    }
    if (group.getMetadata().getNamespace() == null || group.getMetadata().getNamespace().isEmpty()) {
      group.getMetadata().setNamespace(DEFAULT_NAMESPACE);
    }
    String name = group.getMetadata().getName();
    String namespace = group.getMetadata().getNamespace();
    List<String> declared = group.getSpec() == null || group.getSpec().getServices() == null ? List.of()
        : group.getSpec().getServices().stream().map(ServiceSpec::getName).toList();

    Simulation simulation = new Simulation(startups, crashes, pullErrors, neverReady);
    List<String> unknown = simulation.unknownServices(new java.util.LinkedHashSet<>(declared));
    if (!unknown.isEmpty()) {
      throw new ParameterException(spec.commandLine(), String.join("\n", unknown));
    }
    GroupPlan plan = GroupPlan.of(name, group.getSpec());
    if (fastBackoff && plan.valid()) {
      Simulation.fastBackoff(group.getSpec(), plan);
      plan = GroupPlan.of(name, group.getSpec());
    }
    Map<String, Integer> replicas = new LinkedHashMap<>();
    for (String service : declared) {
      GroupPlan.ServicePlan p = plan.services().get(service);
      replicas.put(service, p == null ? 1 : p.replicas());
    }
    DemoDisplay.Group shown = new DemoDisplay.Group(namespace, name,
        plan.valid() ? plan.graph().startWaves().stream().flatMap(List::stream).toList() : declared, replicas);

    boolean terminal = !plain && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    out.println("demo: starting an API server (in-process), the simulated kubelet and the operator ...");
    simulation.notes(plan, timeout).forEach(out::println);
    out.flush();

    try (QuietLogs quiet = QuietLogs.quiet(); EmbeddedCluster cluster = EmbeddedCluster.start()) {
      simulation.apply(cluster.kubelet(), namespace, name, replicas);
      RunnerOperator operator = RunnerOperator.builder(cluster.client()).build().start();
      try {
        return show(cluster, group, shown, terminal, out);
      } finally {
        operator.close();
      }
    }
  }

  private int show(EmbeddedCluster cluster, RunnerGroup group, DemoDisplay.Group shown, boolean terminal, PrintWriter out) {
    String name = group.getMetadata().getName();
    String namespace = group.getMetadata().getNamespace();
    BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    SharedIndexInformer<RunnerGroup> groups = cluster.client().resources(RunnerGroup.class).inNamespace(namespace)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(RunnerGroup g) {
            onUpdate(null, g);
          }

          @Override
          public void onUpdate(RunnerGroup old, RunnerGroup g) {
            if (name.equals(g.getMetadata().getName())) {
              seen.add(new StatusSeen(g, System.nanoTime()));
            }
          }

          @Override
          public void onDelete(RunnerGroup g, boolean unknown) {
            if (name.equals(g.getMetadata().getName())) {
              seen.add(new GroupGone(System.nanoTime()));
            }
          }
        });
    SharedIndexInformer<Event> events = cluster.client().v1().events().inNamespace(namespace)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Event e) {
            if (e.getInvolvedObject() != null && "RunnerGroup".equals(e.getInvolvedObject().getKind())
                && name.equals(e.getInvolvedObject().getName())) {
              seen.add(new EventSeen(e, System.nanoTime()));
            }
          }

          @Override
          public void onUpdate(Event old, Event e) {
          }

          @Override
          public void onDelete(Event e, boolean unknown) {
          }
        });
    if (!terminal) {
      out.println("demo: API server " + cluster.client().getConfiguration().getMasterUrl() + "; times below are since the group was applied");
      out.flush();
    }
    long start = System.nanoTime();
    DemoDisplay display = terminal ? new TerminalDisplay(out, shown) : new PlainDisplay(out, shown);
    String verdict;
    int exit;
    try {
      cluster.client().resource(group).create();
      display.note("applied RunnerGroup " + namespace + "/" + name + " (" + shown.services().size() + " services)", since(start, System.nanoTime()));

      // Up: until healthy, failed or the timeout.
      long deadline = start + timeout.toNanos();
      RunnerGroupStatus last = null;
      Outcome outcome = null;
      while (outcome == null) {
        long now = System.nanoTime();
        if (now - deadline >= 0) {
          outcome = new Outcome(FAILED, "timed out after " + Durations.format(timeout) + ": " + describe(name, last));
          break;
        }
        Seen next = poll(seen, Math.min(TICK_MILLIS, TimeUnit.NANOSECONDS.toMillis(deadline - now) + 1));
        if (next == null) {
          display.tick(since(start, System.nanoTime()));
          continue;
        }
        if (next instanceof StatusSeen s) {
          last = s.group().getStatus();
          display.status(last, since(start, s.nanos()));
          outcome = judge(name, last, since(start, s.nanos()));
        } else if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        } else {
          outcome = new Outcome(FAILED, "RunnerGroup " + name + " was deleted");
        }
      }
      exit = outcome.exit();
      verdict = outcome.message();
      Duration at = since(start, System.nanoTime());
      display.note((exit == HEALTHY ? "healthy: " : "failed: ") + verdict, at);

      // Down: delete the group; its services stop in reverse dependency order.
      display.note("deleting RunnerGroup " + name + ": services stop in reverse dependency order", at);
      cluster.client().resources(RunnerGroup.class).inNamespace(namespace).withName(name).delete();
      long teardownDeadline = System.nanoTime() + TEARDOWN_TIMEOUT.toNanos();
      boolean gone = false;
      while (!gone) {
        long now = System.nanoTime();
        if (now - teardownDeadline >= 0) {
          display.note("the group did not stop within " + Durations.format(TEARDOWN_TIMEOUT) + "; shutting down anyway",
              since(start, now));
          break;
        }
        Seen next = poll(seen, TICK_MILLIS);
        if (next == null) {
          display.tick(since(start, System.nanoTime()));
        } else if (next instanceof StatusSeen s) {
          display.status(s.group().getStatus(), since(start, s.nanos()));
        } else if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        } else {
          gone = true;
          display.note("RunnerGroup " + name + " is gone", since(start, next.nanos()));
        }
      }
      // Events sent just before the group went away may still be on their way.
      long drainUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      for (Seen next; (next = poll(seen, Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())))) != null; ) {
        if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        }
        if (System.nanoTime() - drainUntil >= 0) {
          break;
        }
      }
    } finally {
      display.close();
      groups.close();
      events.close();
    }
    out.println("demo: " + (exit == HEALTHY ? "healthy" : "failed") + " (exit " + exit + "): " + verdict);
    out.flush();
    return exit;
  }

  private record Outcome(int exit, String message) {}

  /** Healthy, failed, or null: not yet. Healthy waits for the crashes the options asked for. */
  private Outcome judge(String name, RunnerGroupStatus status, Duration at) {
    if (status == null || status.getPhase() == null) {
      return null;
    }
    if (status.getPhase() == GroupPhase.Failed || status.getPhase() == GroupPhase.Invalid) {
      return new Outcome(FAILED, "group " + name + " is " + status.getPhase() + " after " + DemoDisplay.time(at).substring(1)
          + ": " + status.getMessage());
    }
    if (status.getPhase() != GroupPhase.Ready) {
      return null;
    }
    for (Simulation.Crash crash : crashes) {
      ServiceStatus service = status.getServices().get(crash.service());
      boolean spent = service != null && (service.getPhase() == ServicePhase.Completed
          || (!crash.permanent() && service.getRestarts() >= crash.times()));
      if (!spent) {
        return null;
      }
    }
    return new Outcome(HEALTHY, "all " + status.getServices().size() + " services of " + name + " ready after "
        + DemoDisplay.time(at).substring(1));
  }

  private static String describe(String name, RunnerGroupStatus status) {
    if (status == null || status.getPhase() == null) {
      return "the operator wrote no status for " + name;
    }
    return "group " + name + " is " + status.getPhase() + " (" + status.getReady() + " ready)"
        + (status.getMessage().isEmpty() ? "" : ": " + status.getMessage());
  }

  private static void show(DemoDisplay display, Event event, Duration at) {
    display.event(event.getType(), event.getReason(), event.getMessage(), at);
  }

  private static Seen poll(BlockingQueue<Seen> queue, long millis) {
    try {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static Duration since(long start, long nanos) {
    return Duration.ofNanos(Math.max(0, nanos - start));
  }

  private RunnerGroup load(PrintWriter err) throws RunnerGroupReader.UnreadableFile {
    RunnerGroupReader reader = new RunnerGroupReader();
    RunnerGroupReader.Contents contents;
    Path source = file;
    if (file == null) {
      source = Path.of("examples/shop.yaml");
      contents = reader.read(source, () -> {
        InputStream in = DemoCommand.class.getResourceAsStream(BUNDLED);
        if (in == null) {
          throw new java.io.FileNotFoundException("the bundled example " + BUNDLED + " is missing from the jar");
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
      });
    } else {
      contents = reader.read(file);
    }
    contents.notes().forEach(err::println);
    if (contents.groups().isEmpty()) {
      throw new RunnerGroupReader.UnreadableFile(source + ": no RunnerGroup (apiVersion " + RunnerGroupReader.API_VERSION
          + ", kind RunnerGroup) in this file");
    }
    if (contents.groups().size() > 1) {
      throw new RunnerGroupReader.UnreadableFile(source + ": holds " + contents.groups().size()
          + " RunnerGroups; demo runs one (put it in a file of its own)");
    }
    RunnerGroup group = contents.groups().get(0).group();
    if (group.getMetadata() == null || group.getMetadata().getName() == null || group.getMetadata().getName().isEmpty()) {
      throw new RunnerGroupReader.UnreadableFile(source + ": metadata.name is required");
    }
    return group;
  }
}
