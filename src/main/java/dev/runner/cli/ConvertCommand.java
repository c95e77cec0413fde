package dev.runner.cli;

import dev.runner.compose.ComposeConverter;
import dev.runner.compose.ComposeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A Compose application as a RunnerGroup and its Services, for {@code kubectl apply -f -}. */
@Command(
    name = "convert",
    description = {
        "Convert Compose files (docker-compose.yaml, compose.yaml) into a RunnerGroup and one Service per Compose "
            + "service, printed as one YAML stream for kubectl apply -f -. The start order (depends_on), the health "
            + "gates (healthcheck) and the restart policies (restart, deploy.restart_policy) are kept.",
        "Several files are merged in order, as docker compose -f a.yaml -f b.yaml merges them; $${VAR} is read from "
            + "the environment and the .env file next to the first file.",
        "Whatever cannot be mapped is one line on stderr (error, warning or note, with the service and the key). "
            + "A service with an error is left out, with the services that depend on it; the rest is still written.",
        "docs/compose.md has the whole mapping."},
    usageHelpAutoWidth = true,
    footerHeading = "%nExamples:%n",
    footer = {
        "  convert docker-compose.yaml | kubectl apply -f -",
        "  convert compose.yaml compose.prod.yaml --name shop -o shop.yaml",
        "  convert compose.yaml --profile debug"},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:converted (warnings and notes may be on stderr)",
        "1:converted with errors: the services with an error (and those depending on them) are left out of the output",
        "2:a file cannot be read or is not a Compose file, or the command line is wrong"})
final class ConvertCommand implements Callable<Integer> {
  static final int CONVERTED = 0;
  static final int ERRORS = 1;
  static final int UNREADABLE = 2;
  private static final Pattern DNS_LABEL = Pattern.compile(dev.runner.api.Limits.DNS_LABEL);

  @Parameters(arity = "1..*", paramLabel = "COMPOSE_FILE", description = "Compose files, merged in order.")
  List<Path> files = new ArrayList<>();

  @Option(names = "--name", paramLabel = "NAME",
      description = "The group's name (a DNS label). Default, as docker compose -p: COMPOSE_PROJECT_NAME, else name: "
          + "in the files, else the first file's directory (made a DNS label).")
  String name;

  @Option(names = "--namespace", paramLabel = "NS",
      description = "Write this namespace into the objects. Default: none (kubectl's current namespace).")
  String namespace;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the YAML to FILE instead of stdout.")
  Path output;

  @Mixin
  ComposeInput compose = new ComposeInput();

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    for (String[] option : new String[][] {{"--name", name}, {"--namespace", namespace}}) {
      if (option[1] != null && (option[1].length() > 63 || !DNS_LABEL.matcher(option[1]).matches())) {
        throw new ParameterException(spec.commandLine(), option[0] + " \"" + option[1]
            + "\" must be a DNS label (lower-case letters, digits and '-', at most 63)");
      }
    }
    ComposeConverter.Conversion conversion;
    try {
      conversion = compose.convert(files, name, namespace, err);
    } catch (ComposeException e) {
      err.println(e.getMessage());
      err.flush();
      return UNREADABLE;
    }
    if (conversion.group() == null) {
      err.println("convert: no service could be converted: nothing written");
      err.flush();
      return ERRORS;
    }
    String yaml = conversion.yaml();
    if (output == null) {
      spec.commandLine().getOut().print(yaml);
      spec.commandLine().getOut().flush();
    } else {
      try {
        Files.writeString(output, yaml);
      } catch (IOException e) {
        err.println(output + ": cannot be written: " + e.getMessage());
        err.flush();
        return UNREADABLE;
      }
    }
    err.flush();
    return conversion.hasErrors() ? ERRORS : CONVERTED;
  }
}
