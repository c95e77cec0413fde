package dev.runner.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Imports run one way: {@code cli} (the commands) uses {@code operator} (the process) and
 * {@code view} (what the commands show), which use {@code reconcile}, {@code core} and {@code api};
 * never the reverse.
 */
class PackageLayersTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/runner");
  private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.runner\\.(\\w+)\\.");

  /** For each package, the packages of ours it must not import. */
  private static final Map<String, List<String>> FORBIDDEN = Map.of(
      "operator", List.of("cli", "view"),
      "view", List.of("cli", "operator"),
      "reconcile", List.of("cli", "operator", "view"),
      "sandbox", List.of("cli", "operator", "view"),
      "metrics", List.of("cli", "operator", "view"),
      "core", List.of("cli", "operator", "view", "reconcile", "sandbox", "metrics"),
      "api", List.of("cli", "operator", "view", "reconcile", "sandbox", "metrics"));

  @Test
  void noImportRunsBackUp() throws IOException {
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, List<String>> rule : FORBIDDEN.entrySet()) {
      Path dir = SOURCES.resolve(rule.getKey());
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = IMPORT.matcher(Files.readString(file));
          while (m.find()) {
            if (rule.getValue().contains(m.group(1))) {
              violations.add(file + " imports dev.runner." + m.group(1));
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void cliHoldsTheCommandsAndWhatOnlyTheyUse() throws IOException {
    try (Stream<Path> files = Files.list(SOURCES.resolve("cli"))) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .as("the operator's lifecycle lives in dev.runner.operator, displays in dev.runner.view")
          .doesNotContain("HttpEndpoints.java", "LeaseRelease.java", "Logging.java", "QuietLogs.java",
              "Simulation.java", "TerminalDisplay.java", "PlainDisplay.java");
    }
  }
}
