package dev.runner.cli;

import static dev.runner.cli.PlanCommandTest.group;
import static dev.runner.cli.PlanCommandTest.run;
import static dev.runner.cli.PlanCommandTest.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.cli.PlanCommandTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan --output dot|mermaid}: the dependency graph as a picture, exactly. */
class PlanGraphTest {
  /** Two roots, a name with '-', a service depending on two, and one named as a Mermaid keyword. */
  static final String SMALL = group("small", service("a") + service("b-x", "dependsOn: [a]")
      + service("c", "dependsOn: [a, b-x]") + service("d") + service("end", "dependsOn: [c]"));

  @TempDir
  Path dir;

  Path small() throws IOException {
    return Files.writeString(dir.resolve("small.yaml"), SMALL);
  }

  @Test
  void mermaidListsTheServicesInStartOrderThenAnArrowFromEachDependencyToItsDependent() throws IOException {
    Run run = run("plan", "--output", "mermaid", small().toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).isEqualTo("""
        flowchart LR
          a
          d
          b_x["b-x"]
          c
          end_["end"]
          a --> b_x
          a --> c
          b_x --> c
          c --> end_
        """);
  }

  @Test
  void dotPutsEachWaveInARank() throws IOException {
    Run run = run("plan", "-o", "dot", small().toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("""
        digraph "small" {
          rankdir=LR;
          node [shape=box, style="rounded,filled", fillcolor=white];
          "a";
          "d";
          "b-x";
          "c";
          "end";
          { rank=same; "a"; "d"; }
          "a" -> "b-x";
          "a" -> "c";
          "b-x" -> "c";
          "c" -> "end";
        }
        """);
  }

  @Test
  void anInvalidGroupIsNotDrawnItsErrorsGoToStderrAndExit1() throws IOException {
    Path both = Files.writeString(dir.resolve("both.yaml"), SMALL + "---\n"
        + Files.readString(Path.of(PlanCommandTest.INVALID)));
    Run run = run("plan", "--output", "mermaid", both.toString());
    assertThat(run.exit()).isEqualTo(PlanCommand.INVALID);
    assertThat(run.out()).startsWith("flowchart LR\n  a\n").doesNotContain("billing");
    assertThat(run.err()).contains("payments (" + both + ", document 2): INVALID, 2 errors",
        "dependency cycle: billing -> ledger -> billing");
  }

  @Test
  void severalGroupsAreSeveralDiagramsOneBlankLineApart() throws IOException {
    Run run = run("plan", "-o", "dot", small().toString(), PlanCommandTest.SHOP);
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("}\n\ndigraph \"shop\" {\n");
  }

  @Test
  void aServiceThatIsNotADeploymentSaysItsKindInItsNode() {
    Run run = run("plan", "-o", "dot", PlanCommandTest.SHOP);
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("  \"database\" [label=\"database\\n(StatefulSet)\"];\n",
        "  \"migrate\" [label=\"migrate\\n(Job)\"];\n", "  \"api\";\n");
  }

  static final String README_MARKER = "<!-- plan --output mermaid examples/shop.yaml -->";

  /**
   * The README shows the example's graph as a Mermaid block, the one that follows the marker
   * comment; it is what the command prints today (refresh: run the command, paste its output).
   */
  @Test
  void theReadmesMermaidBlockIsWhatPlanPrintsForTheExample() throws IOException {
    List<String> readme = Files.readAllLines(Path.of("README.md"));
    int marker = readme.indexOf(README_MARKER);
    assertThat(marker).as("README.md has the marker line %s before the example's ```mermaid block", README_MARKER)
        .isNotNegative();
    int open = marker + 1;
    while (open < readme.size() && readme.get(open).isBlank()) {
      open++;
    }
    assertThat(open < readme.size() && readme.get(open).equals("```mermaid"))
        .as("a ```mermaid block follows %s in README.md", README_MARKER).isTrue();
    int close = readme.subList(open + 1, readme.size()).indexOf("```");
    assertThat(close).as("the ```mermaid block after %s is closed", README_MARKER).isNotNegative();
    String block = String.join("\n", readme.subList(open + 1, open + 1 + close)) + "\n";

    Run run = run("plan", "--output", "mermaid", "examples/shop.yaml");
    assertThat(run.exit()).isZero();
    assertThat(block).as("README.md's Mermaid block differs from `runner-operator plan --output mermaid "
        + "examples/shop.yaml`: paste the command's output between the fences").isEqualTo(run.out());
  }
}
