package dev.runner.cli;

import dev.runner.api.RunnerGroup;
import dev.runner.compose.ComposeConverter;
import dev.runner.compose.ComposeException;
import dev.runner.core.Durations;
import dev.runner.view.DemoSession;
import dev.runner.view.Simulation;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The embedded default: reads the group and the simulation's options, and runs a {@link DemoSession}
 * (an API server, the simulated kubelet and the real operator in this process).
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
        "  demo my-group.yaml --plain",
        "  demo infra.yaml app.yaml              app waits for the infra group it depends on"},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:the group became healthy (phase Ready)",
        "1:the group failed (phase Failed or Invalid) or --timeout passed first",
        "2:a FILE cannot be read or holds no RunnerGroup, a Compose FILE cannot be converted, or the command line is wrong"})
final class DemoCommand implements Callable<Integer> {
  static final int HEALTHY = DemoSession.HEALTHY;
  static final int FAILED = DemoSession.FAILED;
  static final int UNUSABLE = 2;
  static final String BUNDLED = "/examples/shop.yaml";

  @Parameters(arity = "0..*", paramLabel = "FILE",
      description = "RunnerGroup YAML files. Default: the bundled examples/shop.yaml. Several groups (that depend on "
          + "one another through spec.dependsOn) are applied together: the last that no other depends on is shown "
          + "in full, the others' phases as lines of their own. Compose files (by their content) are converted "
          + "together into one group, as by convert; a conversion error ends the demo before it starts (exit 2).")
  List<Path> files = new ArrayList<>();

  @Option(names = "--startup", paramLabel = "[SERVICE=]DURATION", converter = SimulationConverters.StartupConverter.class,
      description = "Time a service's pods take to become ready, e.g. database=3s; without SERVICE= the default of "
          + "every service (1s). Repeatable.")
  List<Simulation.Startup> startups = new ArrayList<>();

  @Option(names = "--crash", paramLabel = "SERVICE=CODE[xTIMES][@AFTER]", converter = SimulationConverters.CrashConverter.class,
      description = "The service's containers exit with CODE after running for AFTER (default 1s): on its first TIMES "
          + "starts (api=1x2: crashes twice, then runs; a start counts all replicas), or on every start without "
          + "xTIMES (worker=1: a permanent failure, ending at the restart limit in Failed). The demo counts the "
          + "group healthy only once the crashes asked for have happened. Repeatable.")
  List<Simulation.Crash> crashes = new ArrayList<>();

  @Option(names = "--image-pull-error", paramLabel = "SERVICE[=MESSAGE]", converter = SimulationConverters.PullErrorConverter.class,
      description = "The service's image cannot be pulled (message default: manifest unknown): it never starts. Repeatable.")
  List<Simulation.PullError> pullErrors = new ArrayList<>();

  @Option(names = "--never-ready", paramLabel = "SERVICE", converter = SimulationConverters.ServiceNameConverter.class,
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

  @Mixin
  ComposeInput compose = new ComposeInput();

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

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    List<RunnerGroup> groups;
    try {
      groups = load(err);
    } catch (RunnerGroupReader.UnreadableFile e) {
      err.println(e.getMessage());
      err.flush();
      return UNUSABLE;
    }
    Simulation simulation = new Simulation(startups, crashes, pullErrors, neverReady);
    DemoSession session = new DemoSession(groups, simulation, fastBackoff, timeout);
    List<String> unknown = simulation.unknownServices(new LinkedHashSet<>(session.declared()));
    if (!unknown.isEmpty()) {
      throw new ParameterException(spec.commandLine(), String.join("\n", unknown));
    }
    boolean terminal = !plain && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return session.run(spec.commandLine().getOut(), terminal);
  }

  private List<RunnerGroup> load(PrintWriter err) throws RunnerGroupReader.UnreadableFile {
    RunnerGroupReader reader = new RunnerGroupReader();
    if (files.isEmpty()) {
      Path source = Path.of("examples/shop.yaml");
      RunnerGroupReader.Contents contents = reader.read(source, () -> {
        InputStream in = DemoCommand.class.getResourceAsStream(BUNDLED);
        if (in == null) {
          throw new java.io.FileNotFoundException("the bundled example " + BUNDLED + " is missing from the jar");
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
      });
      return groups(source, contents, err);
    }
    List<RunnerGroup> groups = new ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    List<Path> composeFiles = ComposeInput.composeFiles(files);
    if (!composeFiles.isEmpty()) {
      ComposeConverter.Conversion conversion;
      try {
        conversion = compose.convert(composeFiles, null, null, err);
      } catch (ComposeException e) {
        throw new RunnerGroupReader.UnreadableFile(e.getMessage());
      }
      if (conversion.hasErrors() || conversion.group() == null) {
        throw new RunnerGroupReader.UnreadableFile(composeFiles.get(0) + ": the Compose file converted with errors "
            + "(above): fix them, or see what converts with: convert " + composeFiles.get(0));
      }
      groups.add(conversion.group());
      names.add(conversion.group().getMetadata().getNamespace() + "/" + conversion.group().getMetadata().getName());
    }
    for (Path file : files) {
      if (composeFiles.contains(file)) {
        continue;
      }
      for (RunnerGroup group : groups(file, reader.read(file), err)) {
        String key = group.getMetadata().getNamespace() + "/" + group.getMetadata().getName();
        if (!names.add(key)) {
          throw new RunnerGroupReader.UnreadableFile(file + ": RunnerGroup " + group.getMetadata().getName()
              + " is given twice");
        }
        groups.add(group);
      }
    }
    return groups;
  }

  private static List<RunnerGroup> groups(Path source, RunnerGroupReader.Contents contents, PrintWriter err)
      throws RunnerGroupReader.UnreadableFile {
    contents.notes().forEach(err::println);
    if (contents.groups().isEmpty()) {
      throw new RunnerGroupReader.UnreadableFile(source + ": no RunnerGroup (apiVersion " + RunnerGroupReader.API_VERSION
          + ", kind RunnerGroup) in this file");
    }
    List<RunnerGroup> groups = new ArrayList<>();
    for (RunnerGroupReader.Found found : contents.groups()) {
      RunnerGroup group = found.group();
      if (group.getMetadata() == null || group.getMetadata().getName() == null || group.getMetadata().getName().isEmpty()) {
        throw new RunnerGroupReader.UnreadableFile(found.source() + ": metadata.name is required");
      }
      groups.add(group);
    }
    return groups;
  }
}
