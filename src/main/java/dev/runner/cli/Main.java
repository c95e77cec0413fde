package dev.runner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code java -jar runner-operator.jar COMMAND}: the operator's commands. */
@Command(name = "runner-operator", mixinStandardHelpOptions = true,
    description = "Runs a group of services on Kubernetes the way a process supervisor runs processes.",
    subcommands = {
        RunCommand.class,
    })
public final class Main implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
