package dev.runner.cli;

import dev.runner.compose.ComposeConverter;
import dev.runner.compose.ComposeException;
import dev.runner.compose.ComposeReader;
import dev.runner.compose.Finding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Compose files where a command takes files: {@code convert} always, {@code plan} and {@code demo}
 * for the files that are Compose files by their content ({@link ComposeReader#isCompose}). The
 * {@code --profile} option, shared as a picocli mixin.
 */
final class ComposeInput {
  @Option(names = "--profile", paramLabel = "PROFILE",
      description = "Compose files: enable the services of this profile (repeatable; * enables all). Without it, "
          + "COMPOSE_PROFILES is read, as docker compose does.")
  List<String> profiles = new ArrayList<>();

  /** The environment Compose files are interpolated from; tests hand in their own. */
  Map<String, String> environment = System.getenv();

  /** The files of {@code files} that are Compose files, in their order. */
  static List<Path> composeFiles(List<Path> files) {
    return files.stream().filter(ComposeReader::isCompose).toList();
  }

  /** The Compose files read and converted, every finding printed on {@code err}, one line each. */
  ComposeConverter.Conversion convert(List<Path> files, String name, String namespace, PrintWriter err)
      throws ComposeException {
    ComposeConverter.Conversion conversion = ComposeConverter.convert(
        new ComposeReader(environment).read(files, new ComposeReader.Options(name, List.copyOf(profiles))), namespace);
    for (Finding finding : conversion.findings()) {
      err.println(finding.line());
    }
    return conversion;
  }
}
