package dev.runner.cli;

import dev.runner.api.RunnerGroup;
import dev.runner.compose.ComposeConverter;
import dev.runner.compose.ComposeException;
import dev.runner.core.DependencyGraph;
import dev.runner.core.DependencyState;
import dev.runner.core.GroupDependencies;
import dev.runner.core.GroupPlan;
import dev.runner.core.GroupRef;
import dev.runner.view.GraphPicture;
import dev.runner.view.PlanReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Validates RunnerGroups offline exactly as the operator will, and prints their plan. */
@Command(
    name = "plan",
    description = {
        "Validate RunnerGroup files as the operator will, and print each group's start waves, stop order and "
            + "resolved service settings. No cluster is needed.",
        "Several YAML documents (---) in a file are fine; documents of other kinds are skipped with a note on stderr.",
        "The groups of all the files are checked together: a cycle between them (spec.dependsOn) is an error; a group "
            + "they depend on that none of the files holds is a note. A group without a namespace is taken to be in default.",
        "The report, validation errors included, goes to stdout; a file that cannot be read or parsed is reported "
            + "on stderr in one line.",
        "Compose files (a top-level services: mapping, no apiVersion or kind) are converted as by convert, all of them "
            + "together into one group, and that group is planned; what the conversion reports goes to stderr."},
    usageHelpAutoWidth = true,
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:every group is valid",
        "1:a group is invalid (all its errors are on stdout), or a Compose file converted with errors",
        "2:a file cannot be read or parsed, holds no RunnerGroup, or the command line is wrong"})
final class PlanCommand implements Callable<Integer> {
  static final int VALID = 0;
  static final int INVALID = 1;
  static final int UNREADABLE = 2;
  /** Where a group without a namespace would be applied (kubectl's default context namespace). */
  static final String DEFAULT_NAMESPACE = "default";

  /** Kubernetes' rule for object names (a DNS subdomain). */
  private static final Pattern OBJECT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  enum Format { text, json, dot, mermaid }

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "RunnerGroup YAML files, or Compose files.")
  List<Path> files = new ArrayList<>();

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = {"text (default); json: one JSON object per group, one per line; dot (Graphviz) or mermaid: "
          + "the dependency graph, one diagram per group, an arrow from each service to its dependents.",
          "With dot or mermaid an invalid group's errors go to stderr and nothing is drawn for it."})
  Format output;

  @Mixin
  ComposeInput compose = new ComposeInput();

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RunnerGroupReader reader = new RunnerGroupReader();
    boolean unreadable = false;
    boolean invalid = false;
    List<RunnerGroupReader.Found> found = new ArrayList<>();
    List<Path> composeFiles = ComposeInput.composeFiles(files);
    if (!composeFiles.isEmpty()) {
      try {
        ComposeConverter.Conversion conversion = compose.convert(composeFiles, null, null, err);
        invalid |= conversion.hasErrors();
        if (conversion.group() != null) {
          found.add(new RunnerGroupReader.Found(composeFiles.get(0), 1, 1, conversion.group()));
        }
      } catch (ComposeException e) {
        err.println(e.getMessage());
        unreadable = true;
      }
    }
    for (Path file : files) {
      if (composeFiles.contains(file)) {
        continue;
      }
      RunnerGroupReader.Contents contents;
      try {
        contents = reader.read(file);
      } catch (RunnerGroupReader.UnreadableFile e) {
        err.println(e.getMessage());
        unreadable = true;
        continue;
      }
      contents.notes().forEach(err::println);
      if (contents.groups().isEmpty()) {
        err.println(file + ": no RunnerGroup (apiVersion " + RunnerGroupReader.API_VERSION + ", kind RunnerGroup) in this file");
        unreadable = true;
      }
      found.addAll(contents.groups());
    }
    // The groups of all the files, for the dependencies between them (spec.dependsOn).
    FileGroups seen = new FileGroups(found);
    int groups = 0;
    int drawn = 0;
    for (RunnerGroupReader.Found one : found) {
      PlanReport report = check(one, seen);
      if (output == Format.json) {
        report.printJson(out);
      } else if (output == Format.dot || output == Format.mermaid) {
        if (!report.valid()) {
          report.printText(err);
        } else {
          if (drawn++ > 0) {
            out.println();
          }
          out.print(output == Format.dot ? GraphPicture.dot(report.graph()) : GraphPicture.mermaid(report.graph()));
        }
      } else {
        if (groups > 0) {
          out.println();
        }
        report.printText(out);
      }
      groups++;
      invalid |= !report.valid();
    }
    if (output == Format.text) {
      seen.printOrder(out);
    }
    out.flush();
    err.flush();
    return unreadable ? UNREADABLE : invalid ? INVALID : VALID;
  }

  /**
   * The RunnerGroups of the files, as the operator would see them in a cluster holding exactly
   * these: a cycle between them is an error; a group they depend on that none of the files holds
   * is a note (it may exist in the cluster).
   */
  static final class FileGroups implements GroupDependencies.Cluster {
    private final Map<GroupRef, GroupDependencies.Seen> groups = new LinkedHashMap<>();

    FileGroups(List<RunnerGroupReader.Found> found) {
      for (RunnerGroupReader.Found one : found) {
        ref(one.group()).ifPresent(ref -> groups.put(ref,
            new GroupDependencies.Seen(GroupDependencies.refs(ref.namespace(), one.group().getSpec()), new DependencyState.Ready())));
      }
    }

    static Optional<GroupRef> ref(RunnerGroup group) {
      if (group.getMetadata() == null || group.getMetadata().getName() == null || group.getMetadata().getName().isEmpty()) {
        return Optional.empty();
      }
      String namespace = group.getMetadata().getNamespace();
      return Optional.of(new GroupRef(namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace,
          group.getMetadata().getName()));
    }

    @Override
    public Optional<GroupDependencies.Seen> find(GroupRef group) {
      return Optional.ofNullable(groups.get(group));
    }

    @Override
    public Set<String> watched() {
      return Set.of();
    }

    /** When a group of the files depends on another of them: the order they come up in, waves of groups. */
    void printOrder(PrintWriter out) {
      List<DependencyGraph.Node> nodes = new ArrayList<>();
      boolean linked = false;
      for (Map.Entry<GroupRef, GroupDependencies.Seen> entry : groups.entrySet()) {
        List<String> within = entry.getValue().dependsOn().stream().filter(groups::containsKey).map(GroupRef::toString).toList();
        linked |= !within.isEmpty();
        nodes.add(new DependencyGraph.Node(entry.getKey().toString(), within));
      }
      DependencyGraph.Check check = DependencyGraph.check(nodes);
      if (!linked || !check.valid()) {
        return;
      }
      out.println();
      out.println("groups, in the order they come up:");
      List<List<String>> waves = check.graph().startWaves();
      for (int i = 0; i < waves.size(); i++) {
        out.printf("  %d. %s%n", i + 1, String.join(", ", waves.get(i)));
      }
    }
  }

  private static PlanReport check(RunnerGroupReader.Found found, FileGroups seen) {
    RunnerGroup group = found.group();
    String name = group.getMetadata() == null ? null : group.getMetadata().getName();
    List<String> errors = new ArrayList<>();
    if (name == null || name.isEmpty()) {
      errors.add("metadata.name is required");
    } else if (name.length() > 253 || !OBJECT_NAME.matcher(name).matches()) {
      errors.add("metadata.name \"" + name + "\" is not a valid Kubernetes name (lower-case letters, digits, '-' and '.')");
    }
    GroupPlan plan = GroupPlan.of(name == null || name.isEmpty() ? null : name, group.getSpec());
    errors.addAll(plan.errors());
    List<String> dependsOn = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Optional<GroupRef> self = FileGroups.ref(group);
    if (self.isPresent()) {
      List<GroupRef> refs = GroupDependencies.refs(self.get().namespace(), group.getSpec());
      GroupDependencies.Observation observation = GroupDependencies.observe(self.get(), refs, seen);
      errors.addAll(observation.errors());
      observation.states().forEach((ref, state) -> {
        dependsOn.add(ref.toString());
        if (state instanceof DependencyState.Missing && !ref.equals(self.get())) {
          notes.add("group " + ref + " is in none of these files: it must exist in the cluster");
        }
      });
    }
    return new PlanReport(name == null || name.isEmpty() ? "(unnamed)" : name, found.source(), List.copyOf(errors), plan,
        List.copyOf(dependsOn), List.copyOf(notes));
  }
}
