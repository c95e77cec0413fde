package dev.runner.cli;

import dev.runner.api.RunnerGroup;
import dev.runner.core.GroupPlan;
import dev.runner.view.GraphPicture;
import dev.runner.view.PlanReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
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
        "The report, validation errors included, goes to stdout; a file that cannot be read or parsed is reported "
            + "on stderr in one line."},
    usageHelpAutoWidth = true,
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:every group is valid",
        "1:a group is invalid (all its errors are on stdout)",
        "2:a file cannot be read or parsed, holds no RunnerGroup, or the command line is wrong"})
final class PlanCommand implements Callable<Integer> {
  static final int VALID = 0;
  static final int INVALID = 1;
  static final int UNREADABLE = 2;

  /** Kubernetes' rule for object names (a DNS subdomain). */
  private static final Pattern OBJECT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  enum Format { text, json, dot, mermaid }

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "RunnerGroup YAML files.")
  List<Path> files = new ArrayList<>();

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = {"text (default); json: one JSON object per group, one per line; dot (Graphviz) or mermaid: "
          + "the dependency graph, one diagram per group, an arrow from each service to its dependents.",
          "With dot or mermaid an invalid group's errors go to stderr and nothing is drawn for it."})
  Format output;

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
    int groups = 0;
    int drawn = 0;
    for (Path file : files) {
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
      for (RunnerGroupReader.Found found : contents.groups()) {
        PlanReport report = check(found);
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
    }
    out.flush();
    err.flush();
    return unreadable ? UNREADABLE : invalid ? INVALID : VALID;
  }

  private static PlanReport check(RunnerGroupReader.Found found) {
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
    return new PlanReport(name == null || name.isEmpty() ? "(unnamed)" : name, found.source(), List.copyOf(errors), plan);
  }
}
